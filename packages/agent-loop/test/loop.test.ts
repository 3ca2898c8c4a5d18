import { describe, expect, it } from "vitest";
import {
  BLOCKED_TOOL_TEXT,
  SKIPPED_TOOL_TEXT,
  customMessage,
  runAgentLoop,
  userMessage,
  type AgentContext,
  type AgentMessage,
  type AssistantMessage,
  type ToolResultMessage,
} from "../src/index.ts";
import { deferred, echoTool, recorder, scripted } from "./helpers.ts";

const ctx = (over: Partial<AgentContext> = {}): AgentContext => ({ messages: [], tools: [], ...over });

describe("runAgentLoop: event sequences", () => {
  it("plain answer: canonical sequence, streamed deltas as message_update, usage figures", async () => {
    const { model, server } = await scripted([
      { text: "Hello there, friend", usage: { inputTokens: 11, outputTokens: 7 } },
    ]);
    const rec = recorder();
    const added = await runAgentLoop(
      [userMessage("hi")],
      ctx({ systemPrompt: "be nice" }),
      { model },
      rec.emit,
    );

    expect(rec.compact()).toEqual([
      "agent_start",
      "turn_start",
      "message_start:user",
      "message_end:user",
      "message_start:assistant",
      "message_update",
      "message_end:assistant",
      "turn_end",
      "agent_end",
    ]);
    const deltas = rec.events.flatMap((e) =>
      e.type === "message_update" && e.assistantMessageEvent.type === "text_delta"
        ? [e.assistantMessageEvent.delta]
        : [],
    );
    expect(deltas).toEqual(["Hello ", "there, ", "friend"]);
    const updates = rec.events.filter((e) => e.type === "message_update");
    expect(updates.map((e) => e.type === "message_update" && e.assistantMessageEvent.type)).toEqual([
      "text_start",
      "text_delta",
      "text_delta",
      "text_delta",
      "text_end",
    ]);
    const assistant = added[1] as AssistantMessage;
    expect(added.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(assistant.content).toEqual([{ type: "text", text: "Hello there, friend" }]);
    expect(assistant.stopReason).toBe("stop");
    expect(assistant.usage).toEqual({ inputTokens: 11, outputTokens: 7, totalTokens: 18 });
    const end = rec.events.at(-1);
    expect(end?.type === "agent_end" && end.messages).toEqual(added);
    const turnEnd = rec.events.find((e) => e.type === "turn_end");
    expect(turnEnd?.type === "turn_end" && turnEnd.toolResults).toEqual([]);
    // What the model saw: the system prompt then the user message, streamed with usage requested.
    expect(server.requests[0]?.messages).toEqual([
      { role: "system", content: "be nice" },
      { role: "user", content: "hi" },
    ]);
    expect(server.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    // JSON-serialisable messages.
    expect(JSON.parse(JSON.stringify(added))).toEqual(added);
  });

  it("one tool call: tool events, toolResult, second turn sees the result", async () => {
    const { model, server } = await scripted([
      { text: "Checking.", toolCalls: [{ id: "c1", name: "echo", arguments: { value: "x" } }] },
      { text: "Done: echo:x" },
    ]);
    const rec = recorder();
    const added = await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("echo")] }),
      { model },
      rec.emit,
    );

    expect(rec.compact()).toEqual([
      "agent_start",
      "turn_start",
      "message_start:user",
      "message_end:user",
      "message_start:assistant",
      "message_update",
      "message_end:assistant",
      "tool_execution_start:c1",
      "tool_execution_update:c1",
      "tool_execution_end:c1",
      "message_start:toolResult",
      "message_end:toolResult",
      "turn_end",
      "turn_start",
      "message_start:assistant",
      "message_update",
      "message_end:assistant",
      "turn_end",
      "agent_end",
    ]);
    expect(added.map((m) => m.role)).toEqual(["user", "assistant", "toolResult", "assistant"]);
    const first = added[1] as AssistantMessage;
    expect(first.stopReason).toBe("toolUse");
    expect(first.content[1]).toEqual({ type: "toolCall", id: "c1", name: "echo", arguments: { value: "x" } });
    const result = added[2] as ToolResultMessage;
    expect(result).toMatchObject({
      toolCallId: "c1",
      toolName: "echo",
      isError: false,
      details: { value: "x" },
    });
    expect(result.content).toEqual([{ type: "text", text: "echo:x" }]);
    const turnEnds = rec.events.filter((e) => e.type === "turn_end");
    expect(turnEnds[0]?.type === "turn_end" && turnEnds[0].toolResults).toEqual([result]);
    expect(server.requests[1]?.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [{ id: "c1", type: "function", function: { name: "echo", arguments: '{"value":"x"}' } }],
      },
      { role: "tool", tool_call_id: "c1", content: "echo:x" },
    ]);
    expect(server.requests[0]?.toolNames).toEqual(["echo"]);
  });

  it("a throwing tool becomes an isError result and the run goes on", async () => {
    const { model, server } = await scripted([
      { toolCalls: [{ id: "c1", name: "bad", arguments: { value: "v" } }] },
      { text: "sorry" },
    ]);
    const rec = recorder();
    const added = await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("bad", { fail: "disk on fire" })] }),
      { model },
      rec.emit,
    );
    expect(added[2]).toMatchObject({
      role: "toolResult",
      isError: true,
      content: [{ type: "text", text: "disk on fire" }],
    });
    const end = rec.events.find((e) => e.type === "tool_execution_end");
    expect(end?.type === "tool_execution_end" && end.isError).toBe(true);
    expect(server.requests[1]?.messages.at(-1)).toEqual({
      role: "tool",
      tool_call_id: "c1",
      content: "disk on fire",
    });
    expect((added.at(-1) as AssistantMessage).stopReason).toBe("stop");
  });

  it("unknown tools, invalid JSON and schema violations fail preflight without running anything", async () => {
    const log: string[] = [];
    const { model } = await scripted([
      {
        toolCalls: [
          { id: "u", name: "nope", arguments: {} },
          { id: "j", name: "echo", arguments: "{not json" },
          { id: "m", name: "echo", arguments: {} },
          { id: "t", name: "echo", arguments: { value: 42 } },
        ],
      },
      { text: "ok" },
    ]);
    const added = await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("echo", { log })] }),
      { model },
      () => {},
    );
    const results = added.filter((m): m is ToolResultMessage => m.role === "toolResult");
    expect(results[1]?.content[0]?.text).toMatch(/^tool arguments are not valid JSON/);
    expect(
      results.map((r) => [r.toolCallId, r.isError, r.toolCallId === "j" ? "json" : r.content[0]?.text]),
    ).toEqual([
      ["u", true, "Tool nope not found"],
      ["j", true, "json"],
      ["m", true, 'Invalid arguments for echo: missing required argument "value"'],
      ["t", true, 'Invalid arguments for echo: argument "value" must be string'],
    ]);
    expect(log).toEqual([]);
  });
});

describe("runAgentLoop: parallel and sequential tools", () => {
  it("parallel (default): all start before any finishes; results in source order among executed calls", async () => {
    const log: string[] = [];
    const gate1 = deferred();
    const t2done = deferred();
    const { model } = await scripted([
      {
        toolCalls: [
          { id: "t1", name: "slow", arguments: { value: "a" } },
          { id: "t2", name: "fast", arguments: { value: "b" } },
        ],
      },
      { text: "both done" },
    ]);
    const fast = echoTool("fast", { log });
    const fastExec = fast.execute.bind(fast);
    fast.execute = async (args, c) => {
      const r = await fastExec(args, c);
      t2done.resolve();
      return r;
    };
    void t2done.promise.then(() => setTimeout(() => gate1.resolve(), 20));
    const rec = recorder();
    const added = await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("slow", { log, gate: gate1.promise }), fast] }),
      { model },
      rec.emit,
    );

    // t2 ran to completion while t1 was still running: concurrent execution.
    expect(log).toEqual(["start:slow:t1", "start:fast:t2", "end:fast:t2", "end:slow:t1"]);
    const ends = rec.events.flatMap((e) => (e.type === "tool_execution_end" ? [e.toolCallId] : []));
    expect(ends).toEqual(["t1", "t2"]);
    expect(
      added.filter((m): m is ToolResultMessage => m.role === "toolResult").map((m) => m.toolCallId),
    ).toEqual(["t1", "t2"]);
  });

  it("parallel: documented order = immediate outcomes first, then executed calls in source order", async () => {
    const before: string[] = [];
    const { model } = await scripted([
      {
        toolCalls: [
          { id: "t1", name: "echo", arguments: { value: "1" } },
          { id: "t2", name: "echo", arguments: { value: "blocked" } },
          { id: "t3", name: "missing", arguments: {} },
          { id: "t4", name: "echo", arguments: { value: "4" } },
        ],
      },
      { text: "ok" },
    ]);
    const rec = recorder();
    const added = await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("echo")] }),
      {
        model,
        beforeToolCall: ({ toolCall, args }) => {
          before.push(toolCall.id);
          return args.value === "blocked" ? { block: true, reason: "nope" } : undefined;
        },
      },
      rec.emit,
    );
    const order = ["t2", "t3", "t1", "t4"];
    expect(rec.events.flatMap((e) => (e.type === "tool_execution_end" ? [e.toolCallId] : []))).toEqual(order);
    const turnEnd = rec.events.find((e) => e.type === "turn_end");
    expect(turnEnd?.type === "turn_end" && turnEnd.toolResults.map((r) => r.toolCallId)).toEqual(order);
    expect(
      added.filter((m): m is ToolResultMessage => m.role === "toolResult").map((m) => m.toolCallId),
    ).toEqual(order);
    expect(before).toEqual(["t1", "t2", "t4"]); // not called for the unknown tool
  });

  it("sequential: one at a time, results in strict source order", async () => {
    const log: string[] = [];
    const { model } = await scripted([
      {
        toolCalls: [
          { id: "t1", name: "echo", arguments: { value: "1" } },
          { id: "t2", name: "missing", arguments: {} },
          { id: "t3", name: "echo", arguments: { value: "3" } },
        ],
      },
      { text: "ok" },
    ]);
    const rec = recorder();
    await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("echo", { log })] }),
      { model, toolExecution: "sequential" },
      rec.emit,
    );
    expect(log).toEqual(["start:echo:t1", "end:echo:t1", "start:echo:t3", "end:echo:t3"]);
    expect(rec.events.flatMap((e) => (e.type === "tool_execution_end" ? [e.toolCallId] : []))).toEqual([
      "t1",
      "t2",
      "t3",
    ]);
  });
});

describe("runAgentLoop: hooks", () => {
  it("beforeToolCall blocks with a reason: the tool never runs, the model sees the reason", async () => {
    const log: string[] = [];
    const { model, server } = await scripted([
      { toolCalls: [{ id: "c1", name: "echo", arguments: { value: "rm -rf" } }] },
      { text: "ok" },
    ]);
    const rec = recorder();
    await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("echo", { log })] }),
      { model, beforeToolCall: () => ({ block: true, reason: "Dangerous command refused" }) },
      rec.emit,
    );
    expect(log).toEqual([]);
    expect(rec.compact().filter((t) => t.startsWith("tool_"))).toEqual([
      "tool_execution_start:c1",
      "tool_execution_end:c1",
    ]);
    const end = rec.events.find((e) => e.type === "tool_execution_end");
    expect(end?.type === "tool_execution_end" && [end.isError, end.result.content[0]?.text]).toEqual([
      true,
      "Dangerous command refused",
    ]);
    expect(server.requests[1]?.messages.at(-1)).toMatchObject({
      role: "tool",
      content: "Dangerous command refused",
    });
  });

  it("a block without a reason uses the default text; a throwing hook becomes an error result", async () => {
    const { model } = await scripted([
      {
        toolCalls: [
          { id: "a", name: "echo", arguments: { value: "1" } },
          { id: "b", name: "echo", arguments: { value: "2" } },
        ],
      },
      { text: "ok" },
    ]);
    const added = await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("echo")] }),
      {
        model,
        beforeToolCall: ({ toolCall }) => {
          if (toolCall.id === "a") return { block: true };
          throw new Error("hook exploded");
        },
      },
      () => {},
    );
    const texts = added
      .filter((m): m is ToolResultMessage => m.role === "toolResult")
      .map((m) => m.content[0]?.text);
    expect(texts).toEqual([BLOCKED_TOOL_TEXT, "hook exploded"]);
  });

  it("afterToolCall rewrites the result field by field", async () => {
    const { model, server } = await scripted([
      { toolCalls: [{ id: "c1", name: "echo", arguments: { value: "secret" } }] },
      { text: "ok" },
    ]);
    const rec = recorder();
    const added = await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("echo")] }),
      {
        model,
        afterToolCall: ({ result, isError }) => {
          expect(isError).toBe(false);
          expect(result.content[0]?.text).toBe("echo:secret");
          return { content: [{ type: "text", text: "[redacted]" }], isError: true };
        },
      },
      rec.emit,
    );
    const result = added[2] as ToolResultMessage;
    expect(result.content).toEqual([{ type: "text", text: "[redacted]" }]);
    expect(result.isError).toBe(true);
    expect(result.details).toEqual({ value: "secret" }); // not overridden → kept
    const end = rec.events.find((e) => e.type === "tool_execution_end");
    expect(end?.type === "tool_execution_end" && end.isError).toBe(true);
    expect(server.requests[1]?.messages.at(-1)).toMatchObject({ content: "[redacted]" });
  });
});

describe("runAgentLoop: context pipeline", () => {
  it("transformContext runs before convertToLlm; custom messages are dropped by default", async () => {
    const { model, server } = await scripted([{ text: "a" }]);
    const calls: string[] = [];
    const history: AgentMessage[] = [
      userMessage("old 1"),
      customMessage("note", { ui: "only" }),
      userMessage("old 2"),
    ];
    await runAgentLoop(
      [userMessage("new")],
      ctx({ messages: history }),
      {
        model,
        transformContext: (messages) => {
          calls.push(`transform:${messages.length}`);
          return messages.slice(-3); // keep the last 3: custom, old 2, new
        },
        convertToLlm: (messages) => {
          calls.push(`convert:${messages.length}`);
          return messages.filter((m): m is Exclude<AgentMessage, { role: "custom" }> => m.role !== "custom");
        },
      },
      () => {},
    );
    expect(calls).toEqual(["transform:4", "convert:3"]);
    expect(server.requests[0]?.messages).toEqual([
      { role: "user", content: "old 2" },
      { role: "user", content: "new" },
    ]);
  });

  it("a throwing context pipeline ends the run with an error message instead of rejecting", async () => {
    const { model, server } = await scripted([{ text: "never" }]);
    const rec = recorder();
    const added = await runAgentLoop(
      [userMessage("go")],
      ctx(),
      {
        model,
        convertToLlm: () => {
          throw new Error("cannot convert");
        },
      },
      rec.emit,
    );
    expect(server.requests).toHaveLength(0);
    expect(added.at(-1)).toMatchObject({
      role: "assistant",
      stopReason: "error",
      errorMessage: "cannot convert",
    });
    expect(rec.compact().slice(-4)).toEqual([
      "message_start:assistant",
      "message_end:assistant",
      "turn_end",
      "agent_end",
    ]);
  });
});

describe("runAgentLoop: steering from the loop contract", () => {
  it("parallel: steering at the first preflight poll skips every call, then injects the message", async () => {
    const log: string[] = [];
    const { model, server } = await scripted([
      {
        toolCalls: [
          { id: "t1", name: "echo", arguments: { value: "1" } },
          { id: "t2", name: "echo", arguments: { value: "2" } },
          { id: "t3", name: "echo", arguments: { value: "3" } },
        ],
      },
      { text: "ok, changing course" },
    ]);
    let polls = 0;
    const rec = recorder();
    await runAgentLoop(
      [userMessage("go")],
      ctx({ tools: [echoTool("echo", { log })] }),
      {
        model,
        getSteeringMessages: () => (++polls === 2 ? [userMessage("stop that")] : []),
      },
      rec.emit,
    );
    expect(log).toEqual([]);
    const starts = rec.events.flatMap((e) => (e.type === "tool_execution_start" ? [e.toolCallId] : []));
    expect(starts).toEqual(["t1", "t2", "t3"]);
    const ends = rec.events.flatMap((e) =>
      e.type === "tool_execution_end" ? [[e.toolCallId, e.isError, e.result.content[0]?.text]] : [],
    );
    expect(ends).toEqual([
      ["t1", true, SKIPPED_TOOL_TEXT],
      ["t2", true, SKIPPED_TOOL_TEXT],
      ["t3", true, SKIPPED_TOOL_TEXT],
    ]);
    expect(server.requests[1]?.messages.at(-1)).toEqual({ role: "user", content: "stop that" });
  });
});
