import { describe, expect, it } from "vitest";
import type { Json } from "@troupe/actor-interfaces";
import { Agent, textResult, type AgentEvent } from "../src/index.ts";
import { scripted } from "./helpers.ts";

describe("messages and events are plain JSON", () => {
  it("round-trip through JSON unchanged and type-check as actor-interfaces Json", async () => {
    const { model } = await scripted([
      { toolCalls: [{ id: "c1", name: "t", arguments: { a: [1, { b: null }] } }] },
      { text: "ok" },
    ]);
    const agent = new Agent({
      model,
      tools: [
        {
          name: "t",
          description: "",
          parameters: { type: "object" },
          execute: () => Promise.resolve(textResult("r", { x: 1 })),
        },
      ],
    });
    const events: AgentEvent[] = [];
    agent.subscribe((e) => events.push(e));
    await agent.prompt("go");
    // Compile-time: hosts can store and publish these without casts.
    const asJson: Json = { events, messages: agent.state.messages };
    expect(JSON.parse(JSON.stringify(asJson))).toEqual(asJson);
  });
});
