import { describe, expect, it, vi } from "vitest";
import {
  ABORTED_TOOL_TEXT,
  Agent,
  SKIPPED_TOOL_TEXT,
  type AgentEvent,
  type AssistantMessage,
  type ToolResultMessage,
} from "../src/index.ts";
import { deferred, echoTool, recorder, scripted, slowTool } from "./helpers.ts";

const roles = (agent: Agent) =>
  agent.state.messages.map((m) => `${m.role[0]}:${m.role === "user" ? m.content : ""}`);

describe("Agent: steering and follow-up drain modes", () => {
  for (const [mode, calls, transcript] of [
    ["one-at-a-time", 2, ["u:p", "u:s1", "a:", "u:s2", "a:"]],
    ["all", 1, ["u:p", "u:s1", "u:s2", "a:"]],
  ] as const) {
    it(`two steering messages queued before prompt, mode ${mode} → ${calls} model call(s)`, async () => {
      const { model, server } = await scripted(() => ({ text: "ok" }));
      const agent = new Agent({ model, steeringMode: mode });
      agent.steer("s1");
      agent.steer("s2");
      await agent.prompt("p");
      expect(server.requests).toHaveLength(calls);
      expect(roles(agent)).toEqual(transcript);
    });
  }

  for (const [mode, calls, transcript] of [
    ["one-at-a-time", 3, ["u:p", "a:", "u:f1", "a:", "u:f2", "a:"]],
    ["all", 2, ["u:p", "a:", "u:f1", "u:f2", "a:"]],
  ] as const) {
    it(`two follow-ups queued at agent_start, mode ${mode} → ${calls} model calls`, async () => {
      const { model, server } = await scripted(() => ({ text: "ok" }));
      const agent = new Agent({ model, followUpMode: mode });
      const rec = recorder();
      agent.subscribe((e) => {
        rec.emit(e);
        if (e.type === "agent_start") {
          agent.followUp("f1");
          agent.followUp("f2");
        }
      });
      await agent.prompt("p");
      expect(server.requests).toHaveLength(calls);
      expect(roles(agent)).toEqual(transcript);
      // One run: a single agent_start/agent_end pair, follow-ups start their own turns.
      expect(rec.types().filter((t) => t === "agent_start" || t === "agent_end")).toEqual([
        "agent_start",
        "agent_end",
      ]);
      expect(rec.types().filter((t) => t === "turn_start")).toHaveLength(calls);
    });
  }

  it("steering during sequential tools skips the remaining calls and injects the message next turn", async () => {
    const gate = deferred();
    const started = deferred();
    const log: string[] = [];
    const { model, server } = await scripted([
      {
        toolCalls: [
          { id: "first", name: "echo", arguments: { value: "1" } },
          { id: "second", name: "echo", arguments: { value: "2" } },
        ],
      },
      { text: "switching" },
    ]);
    const tool = echoTool("echo", { log, gate: gate.promise });
    const exec = tool.execute.bind(tool);
    tool.execute = (args, c) => {
      started.resolve();
      return exec(args, c);
    };
    const agent = new Agent({ model, tools: [tool], toolExecution: "sequential" });
    const rec = recorder();
    agent.subscribe(rec.emit);
    const run = agent.prompt("do two things");
    await started.promise;
    agent.steer("actually, stop");
    gate.resolve();
    await run;

    expect(log).toEqual(["start:echo:first", "end:echo:first"]);
    const ends = rec.events.flatMap((e) =>
      e.type === "tool_execution_end" ? [[e.toolCallId, e.isError, e.result.content[0]?.text]] : [],
    );
    expect(ends).toEqual([
      ["first", false, "echo:1"],
      ["second", true, SKIPPED_TOOL_TEXT],
    ]);
    expect(rec.compact().slice(-13, -1)).toEqual([
      "tool_execution_start:second",
      "tool_execution_end:second",
      "message_start:toolResult",
      "message_end:toolResult",
      "turn_end",
      "turn_start",
      "message_start:user",
      "message_end:user",
      "message_start:assistant",
      "message_update",
      "message_end:assistant",
      "turn_end",
    ]);
    expect(server.requests[1]?.messages.at(-1)).toEqual({ role: "user", content: "actually, stop" });
    expect(roles(agent)).toEqual(["u:do two things", "a:", "t:", "t:", "u:actually, stop", "a:"]);
  });

  it("steering during parallel tools: running calls finish, the message is injected before the next model call", async () => {
    const gate = deferred();
    const started = deferred();
    const { model, server } = await scripted([
      { toolCalls: [{ id: "a", name: "echo", arguments: { value: "1" } }] },
      { text: "ok" },
    ]);
    const tool = echoTool("echo", { gate: gate.promise });
    const exec = tool.execute.bind(tool);
    tool.execute = (args, c) => {
      started.resolve();
      return exec(args, c);
    };
    const agent = new Agent({ model, tools: [tool] });
    const run = agent.prompt("go");
    await started.promise;
    agent.steer("also this");
    gate.resolve();
    await run;
    const result = agent.state.messages[2] as ToolResultMessage;
    expect([result.toolCallId, result.isError]).toEqual(["a", false]);
    expect(server.requests[1]?.messages.slice(-2)).toEqual([
      { role: "tool", tool_call_id: "a", content: "echo:1" },
      { role: "user", content: "also this" },
    ]);
  });
});

describe("Agent: abort", () => {
  it("abort mid-tool: the tool result is an error, the next model call ends 'aborted', state.error is set", async () => {
    const started = deferred();
    const { model, server } = await scripted([
      { toolCalls: [{ id: "c1", name: "wait", arguments: {} }] },
      { text: "never" },
    ]);
    const agent = new Agent({ model, tools: [slowTool("wait", () => started.resolve())] });
    const rec = recorder();
    agent.subscribe(rec.emit);
    const run = agent.prompt("go");
    await started.promise;
    expect(agent.state.pendingToolCalls).toEqual([{ toolCallId: "c1", toolName: "wait", args: {} }]);
    agent.abort();
    await run;

    expect(rec.compact().slice(-10)).toEqual([
      "tool_execution_start:c1",
      "tool_execution_end:c1",
      "message_start:toolResult",
      "message_end:toolResult",
      "turn_end",
      "turn_start",
      "message_start:assistant",
      "message_end:assistant",
      "turn_end",
      "agent_end",
    ]);
    const toolEnd = rec.events.find((e) => e.type === "tool_execution_end");
    expect(
      toolEnd?.type === "tool_execution_end" && [toolEnd.isError, toolEnd.result.content[0]?.text],
    ).toEqual([true, ABORTED_TOOL_TEXT]);
    const last = agent.state.messages.at(-1) as AssistantMessage;
    expect(last.stopReason).toBe("aborted");
    expect(last.errorMessage).toBe("Request was aborted");
    expect(agent.state.error).toBe("Request was aborted");
    expect(agent.state.isStreaming).toBe(false);
    expect(agent.state.pendingToolCalls).toEqual([]);
    expect(server.requests).toHaveLength(1); // the aborted second call never reached the model
  });

  it("abort settles a tool that ignores its signal", async () => {
    const started = deferred();
    const { model } = await scripted([{ toolCalls: [{ id: "c1", name: "stuck", arguments: {} }] }]);
    const agent = new Agent({
      model,
      tools: [
        {
          name: "stuck",
          description: "ignores abort",
          parameters: { type: "object" },
          execute: () => {
            started.resolve();
            return new Promise(() => {});
          },
        },
      ],
    });
    const run = agent.prompt("go");
    await started.promise;
    agent.abort();
    await run;
    expect(agent.state.messages.map((m) => m.role)).toEqual(["user", "assistant", "toolResult", "assistant"]);
    expect(agent.state.messages.at(-1)).toMatchObject({ stopReason: "aborted" });
  });

  it("abort during a slow model call stops the request: stopReason 'aborted'", async () => {
    const { model, server } = await scripted([{ text: "too late", delayMs: 10_000 }]);
    const agent = new Agent({ model });
    const rec = recorder();
    agent.subscribe(rec.emit);
    const run = agent.prompt("go");
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    agent.abort();
    await run;
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(agent.state.messages.at(-1)).toMatchObject({
      role: "assistant",
      stopReason: "aborted",
      errorMessage: "Request was aborted",
    });
    expect(rec.compact()).toEqual([
      "agent_start",
      "turn_start",
      "message_start:user",
      "message_end:user",
      "message_start:assistant",
      "message_end:assistant",
      "turn_end",
      "agent_end",
    ]);
    expect(server.requests).toHaveLength(1); // an abort is not retried
  });

  it("abort with nothing running does not throw", () => {
    const agent = new Agent({ model: { model: "x", complete: () => Promise.reject(new Error("unused")) } });
    expect(() => agent.abort()).not.toThrow();
  });
});

describe("Agent: model failures", () => {
  it("500 on every attempt → retried, then an assistant error message (no rejection)", async () => {
    const { model, server } = await scripted(() => ({
      error: { status: 500, message: "upstream exploded" },
    }));
    const agent = new Agent({ model });
    const rec = recorder();
    agent.subscribe(rec.emit);
    await agent.prompt("go");
    expect(server.requests).toHaveLength(3); // 1 + maxRetries 2
    const last = agent.state.messages.at(-1) as AssistantMessage;
    expect(last.stopReason).toBe("error");
    expect(last.errorMessage).toContain("500");
    expect(last.errorMessage).toContain("upstream exploded");
    expect(agent.state.error).toBe(last.errorMessage);
    expect(rec.types().slice(-4)).toEqual(["message_start", "message_end", "turn_end", "agent_end"]);
  });

  it("429 then success → retried once, honouring Retry-After", async () => {
    const { model, server } = await scripted([
      { error: { status: 429, retryAfterSeconds: 0 } },
      { text: "finally" },
    ]);
    const agent = new Agent({ model });
    await agent.prompt("go");
    expect(server.requests).toHaveLength(2);
    expect(agent.state.messages.at(-1)).toMatchObject({
      stopReason: "stop",
      content: [{ type: "text", text: "finally" }],
    });
    expect(agent.state.error).toBeUndefined();
  });

  it("Retry-After is honoured (capped by maxDelayMs)", async () => {
    const { model, server } = await scripted(
      [{ error: { status: 503, retryAfterSeconds: 1 } }, { text: "ok" }],
      {
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5_000 },
      },
    );
    const t0 = Date.now();
    await new Agent({ model }).prompt("go");
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it("a response that does not start within timeoutMs is retried, then reported", async () => {
    // Time is the test's: the client's timeout fires only once the server holds the request.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const arrived = [false, false];
      const { model, server } = await scripted(
        (request) => {
          arrived[request.index] = true;
          return new Promise<never>(() => {});
        },
        { timeoutMs: 150, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 } },
      );
      /** Lets I/O run, with the fake clock standing still, until `done()`. */
      const settle = async (done: () => boolean) => {
        while (!done()) await new Promise((resolve) => setImmediate(resolve));
      };
      const agent = new Agent({ model });
      let settled = false;
      const run = agent.prompt("go").finally(() => (settled = true));
      // The clock moves only while the request is held by the server, so each attempt times out there.
      await settle(() => arrived[0]!);
      await vi.advanceTimersByTimeAsync(150);
      await settle(() => vi.getTimerCount() > 0); // the retry's backoff
      await vi.advanceTimersByTimeAsync(5);
      await settle(() => arrived[1]!);
      await vi.advanceTimersByTimeAsync(150);
      await settle(() => settled);
      await run;
      expect(server.requests).toHaveLength(2);
      const last = agent.state.messages.at(-1) as AssistantMessage;
      expect(last.stopReason).toBe("error");
      expect(last.errorMessage).toMatch(/timed out/i);
    } finally {
      vi.useRealTimers();
    }
  });

  it("400 is not retried", async () => {
    const { model, server } = await scripted(() => ({ error: { status: 400, message: "bad request" } }));
    const agent = new Agent({ model });
    await agent.prompt("go");
    expect(server.requests).toHaveLength(1);
    expect(agent.state.messages.at(-1)).toMatchObject({ stopReason: "error" });
  });

  it("a stalled stream fails after idleTimeoutMs", async () => {
    const { model } = await scripted([{ text: "a b c", chunkDelayMs: 2_000 }], {
      idleTimeoutMs: 100,
      retry: { maxRetries: 0 },
    });
    const agent = new Agent({ model });
    await agent.prompt("go");
    expect(agent.state.messages.at(-1)).toMatchObject({ stopReason: "error" });
    expect((agent.state.messages.at(-1) as AssistantMessage).errorMessage).toContain("no data for 100 ms");
  });

  it("an unreachable endpoint becomes an error message after retries", async () => {
    const { server, model: _m } = await scripted([]);
    const url = server.baseURL;
    await server.close();
    const { createOpenAIModel } = await import("../src/index.ts");
    const model = createOpenAIModel({
      baseURL: url,
      model: "m",
      retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10 },
    });
    const agent = new Agent({ model });
    await agent.prompt("go");
    expect(agent.state.messages.at(-1)).toMatchObject({ stopReason: "error" });
    expect((agent.state.messages.at(-1) as AssistantMessage).errorMessage).toContain("model request failed");
  });
});

describe("Agent: state and misuse", () => {
  it("prompt while streaming rejects with a clear message; steer/followUp do not touch messages", async () => {
    const { model } = await scripted([{ text: "slow", delayMs: 200 }]);
    const agent = new Agent({ model });
    const run = agent.prompt("one");
    expect(agent.state.isStreaming).toBe(true);
    await expect(agent.prompt("two")).rejects.toThrow("Agent is already processing a prompt");
    agent.steer("s");
    agent.followUp("f");
    expect(agent.state.messages.map((m) => m.role)).toEqual(["user"]);
    expect(agent.queued.steering).toHaveLength(1);
    agent.clearAllQueues();
    await run;
    expect(agent.hasQueuedMessages()).toBe(false);
  });

  it("streamMessage follows the streamed assistant message; isStreaming is false at agent_end", async () => {
    const { model } = await scripted([{ text: "one two three" }]);
    const agent = new Agent({ model });
    const seen: string[] = [];
    let streamingAtEnd: boolean | undefined;
    agent.subscribe((e: AgentEvent, a) => {
      if (e.type === "message_update") seen.push(JSON.stringify(a.state.streamMessage?.content));
      if (e.type === "agent_end") streamingAtEnd = a.state.isStreaming;
    });
    await agent.prompt("go");
    expect(seen.at(-1)).toBe(JSON.stringify([{ type: "text", text: "one two three" }]));
    expect(streamingAtEnd).toBe(false);
    expect(agent.state.streamMessage).toBeNull();
  });

  it("continue() after a user tail asks the model again (crash recovery); after an assistant tail it needs a queue", async () => {
    const { model, server } = await scripted(() => ({ text: "recovered" }));
    const agent = new Agent({ model, messages: [{ role: "user", content: "left over", timestamp: 1 }] });
    await agent.continue();
    expect(server.requests[0]?.messages).toEqual([{ role: "user", content: "left over" }]);
    expect(agent.state.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    await expect(agent.continue()).rejects.toThrow("Cannot continue from message role: assistant");
    agent.followUp("more");
    await agent.continue();
    expect(agent.state.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });
});
