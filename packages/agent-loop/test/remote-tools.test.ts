import { describe, expect, it } from "vitest";
import {
  Agent,
  remoteTools,
  type JsonObject,
  type RemoteInvokeOptions,
  type ToolResultMessage,
} from "../src/index.ts";
import { scripted } from "./helpers.ts";

describe("remoteTools", () => {
  it("backs AgentTools with an invoker; at-most-once calls carry a stable idempotency key; failures are error results", async () => {
    const calls: [string, JsonObject, Omit<RemoteInvokeOptions, "signal">][] = [];
    const tools = remoteTools(
      [
        { name: "calculator", description: "math", parameters: { type: "object" }, sideEffect: "read-only" },
        {
          name: "send_mail",
          description: "mail",
          parameters: { type: "object" },
          sideEffect: "at-most-once",
        },
      ],
      (name, args, { signal: _s, ...rest }) => {
        calls.push([name, args, rest]);
        if (name === "send_mail") return Promise.reject(new Error("tool-service answered 422: mailbox full"));
        return Promise.resolve({ value: 4 });
      },
      { idempotencyScope: "session-1" },
    );
    const { model } = await scripted([
      {
        toolCalls: [
          { id: "c1", name: "calculator", arguments: { expression: "2+2" } },
          { id: "c2", name: "send_mail", arguments: { to: "x" } },
        ],
      },
      { text: "done" },
    ]);
    const agent = new Agent({ model, tools });
    await agent.prompt("go");
    expect(calls).toEqual([
      ["calculator", { expression: "2+2" }, { toolCallId: "c1" }],
      ["send_mail", { to: "x" }, { toolCallId: "c2", idempotencyKey: "session-1:c2" }],
    ]);
    const results = agent.state.messages.filter((m): m is ToolResultMessage => m.role === "toolResult");
    expect(results.map((r) => [r.toolCallId, r.isError, r.content[0]?.text, r.details])).toEqual([
      ["c1", false, '{"value":4}', { value: 4 }],
      ["c2", true, "tool-service answered 422: mailbox full", undefined],
    ]);
  });
});
