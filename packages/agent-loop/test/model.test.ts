import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  Agent,
  createOpenAIModel,
  demoScript,
  startScriptedModelServer,
  textResult,
  toLlmWireMessages,
  type AgentTool,
  type AssistantMessage,
  type ScriptedTextChunk,
} from "../src/index.ts";
import { recorder, scripted } from "./helpers.ts";

describe("OpenAI-compatible model over the scripted server", () => {
  it("abort mid-stream keeps the streamed text and ends 'aborted' (not 'stop')", async () => {
    const { model } = await scripted([{ text: "one two three four five six", chunkDelayMs: 100 }]);
    const agent = new Agent({ model });
    const rec = recorder();
    agent.subscribe((e) => {
      rec.emit(e);
      if (e.type === "message_update" && e.assistantMessageEvent.type === "text_delta") agent.abort();
    });
    await agent.prompt("go");
    const last = agent.state.messages.at(-1) as AssistantMessage;
    expect(last.stopReason).toBe("aborted");
    expect(last.content).toEqual([{ type: "text", text: "one " }]);
  });

  it("streams tool-call deltas into complete calls, with toolcall_* sub-events", async () => {
    const { model } = await scripted([
      {
        toolCalls: [
          { id: "x", name: "echo", arguments: { value: "a long argument string" } },
          { id: "y", name: "echo", arguments: { value: "b" } },
        ],
      },
    ]);
    const events: string[] = [];
    const message = await model.complete(
      { messages: [{ role: "user", content: "go", timestamp: 0 }], tools: [] },
      { onEvent: (e) => events.push(e.type) },
    );
    expect(message.stopReason).toBe("toolUse");
    expect(message.content).toEqual([
      { type: "toolCall", id: "x", name: "echo", arguments: { value: "a long argument string" } },
      { type: "toolCall", id: "y", name: "echo", arguments: { value: "b" } },
    ]);
    expect(events).toEqual([
      "start",
      "toolcall_start",
      "toolcall_delta",
      "toolcall_delta",
      "toolcall_start",
      "toolcall_delta",
      "toolcall_delta",
      "toolcall_end",
      "toolcall_end",
      "done",
    ]);
  });

  it("finish_reason length maps to stopReason 'length'", async () => {
    const { model } = await scripted([{ text: "cut", finishReason: "length" }]);
    const message = await model.complete({
      messages: [{ role: "user", content: "go", timestamp: 0 }],
      tools: [],
    });
    expect(message.stopReason).toBe("length");
  });

  it("the scripted server also answers non-streaming requests (plain openai client)", async () => {
    const server = await startScriptedModelServer({
      script: [{ text: "hi", toolCalls: [{ id: "t", name: "f", arguments: { a: 1 } }] }],
    });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: "x", maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "q" }],
      });
      expect(completion.choices[0]?.message.content).toBe("hi");
      expect(completion.choices[0]?.message.tool_calls).toEqual([
        { id: "t", type: "function", function: { name: "f", arguments: '{"a":1}' } },
      ]);
      expect(completion.usage?.total_tokens).toBeGreaterThan(0);
      expect(server.requests[0]?.stream).toBe(false);
      const models = await client.models.list();
      expect(models.data.map((m) => m.id)).toEqual(["scripted"]);
    } finally {
      await server.close();
    }
  });

  it("onTextChunk reports each streamed text chunk as it is written, paced by chunkDelayMs", async () => {
    const chunks: ScriptedTextChunk[] = [];
    const server = await startScriptedModelServer({
      script: [{ chunks: ["one ", "two ", "three"], chunkDelayMs: 30 }],
      onTextChunk: (c) => chunks.push(c),
    });
    try {
      const model = createOpenAIModel({ baseURL: server.baseURL, model: "m" });
      const deltas: { text: string; at: number }[] = [];
      const message = await model.complete(
        { messages: [{ role: "user", content: "go", timestamp: 0 }], tools: [] },
        { onEvent: (e) => e.type === "text_delta" && deltas.push({ text: e.delta, at: performance.now() }) },
      );
      expect(message.content).toEqual([{ type: "text", text: "one two three" }]);
      expect(chunks.map((c) => [c.request, c.text])).toEqual([
        [0, "one "],
        [0, "two "],
        [0, "three"],
      ]);
      expect(deltas.map((d) => d.text)).toEqual(["one ", "two ", "three"]);
      for (const [i, c] of chunks.entries()) {
        // Noted before the client saw it, and paced: each chunk comes >= ~chunkDelayMs after the previous.
        expect(c.at).toBeLessThanOrEqual(deltas[i]!.at);
        if (i > 0) expect(c.at - chunks[i - 1]!.at).toBeGreaterThanOrEqual(25);
      }
    } finally {
      await server.close();
    }
  });

  it("a script that runs out answers 500 with a clear message", async () => {
    const { model } = await scripted([], { retry: { maxRetries: 0 } });
    const message = await model.complete({
      messages: [{ role: "user", content: "go", timestamp: 0 }],
      tools: [],
    });
    expect(message.stopReason).toBe("error");
    expect(message.errorMessage).toContain("no step left");
  });
});

describe("toLlmWireMessages", () => {
  it("answers orphaned tool calls and drops failed assistant messages", () => {
    const wire = toLlmWireMessages({
      systemPrompt: "sys",
      tools: [],
      messages: [
        { role: "user", content: "q", timestamp: 0 },
        {
          role: "assistant",
          content: [{ type: "toolCall", id: "c1", name: "f", arguments: {} }],
          model: "m",
          usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
          stopReason: "toolUse",
          timestamp: 0,
        },
        {
          role: "assistant",
          content: [{ type: "text", text: "half" }],
          model: "m",
          usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
          stopReason: "aborted",
          errorMessage: "Request was aborted",
          timestamp: 0,
        },
        { role: "user", content: "again", timestamp: 0 },
      ],
    });
    expect(wire).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "q" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c1", content: "Error: no result was recorded for this tool call." },
      { role: "user", content: "again" },
    ]);
  });
});

describe("demoScript", () => {
  const clock: AgentTool = {
    name: "get_current_time",
    description: "now",
    parameters: { type: "object", properties: { timezone: { type: "string" } } },
    execute: (args) =>
      Promise.resolve(textResult(`12:00 in ${typeof args.timezone === "string" ? args.timezone : "UTC"}`)),
  };
  const calculator: AgentTool = {
    name: "calculator",
    description: "math",
    parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] },
    execute: (args) => Promise.resolve(textResult(args.expression === "2 + 3 * 4" ? "14" : "?")),
  };

  it("calls get_current_time when asked for the time, then answers from the result", async () => {
    const { model, server } = await scripted(demoScript);
    const agent = new Agent({ model, tools: [clock, calculator] });
    await agent.prompt("What time is it in Europe/Paris?");
    expect(server.requests).toHaveLength(2);
    expect(agent.state.messages[2]).toMatchObject({
      role: "toolResult",
      content: [{ text: "12:00 in Europe/Paris" }],
    });
    expect(agent.state.messages.at(-1)).toMatchObject({
      content: [{ type: "text", text: "The current time is 12:00 in Europe/Paris." }],
    });
  });

  it("calls calculator for arithmetic and answers plainly otherwise", async () => {
    const { model } = await scripted(demoScript);
    const agent = new Agent({ model, tools: [clock, calculator] });
    await agent.prompt("what is 2 + 3 * 4");
    expect(agent.state.messages.at(-1)).toMatchObject({
      content: [{ type: "text", text: "2 + 3 * 4 = 14" }],
    });
    await agent.prompt("hello");
    expect(JSON.stringify(agent.state.messages.at(-1))).toContain('You said: \\"hello\\"');
  });
});

describe("compatibility with servers that bend the protocol", () => {
  it("tool-call deltas without `index` (Gemini) and extra_content round-trip", async () => {
    const { model, server } = await scripted([
      {
        omitToolCallIndex: true,
        finishReason: "stop", // Gemini ends tool-call answers with "stop"
        toolCalls: [
          {
            id: "g1",
            name: "echo",
            arguments: { value: "one" },
            extraContent: { google: { thought_signature: "sig1" } },
          },
          { id: "g2", name: "echo", arguments: { value: "two" } },
        ],
      },
      { text: "ok" },
    ]);
    const agent = new Agent({
      model,
      tools: [
        {
          name: "echo",
          description: "",
          parameters: { type: "object" },
          execute: (args) => Promise.resolve(textResult(JSON.stringify(args))),
        },
      ],
    });
    await agent.prompt("go");
    const assistant = agent.state.messages[1] as AssistantMessage;
    expect(assistant.stopReason).toBe("toolUse");
    expect(assistant.content).toEqual([
      {
        type: "toolCall",
        id: "g1",
        name: "echo",
        arguments: { value: "one" },
        extraContent: { google: { thought_signature: "sig1" } },
      },
      { type: "toolCall", id: "g2", name: "echo", arguments: { value: "two" } },
    ]);
    expect(server.requests[1]?.messages[1]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "g1",
          type: "function",
          function: { name: "echo", arguments: '{"value":"one"}' },
          extra_content: { google: { thought_signature: "sig1" } },
        },
        { id: "g2", type: "function", function: { name: "echo", arguments: '{"value":"two"}' } },
      ],
    });
  });
});
