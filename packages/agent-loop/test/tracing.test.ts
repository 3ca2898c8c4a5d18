import {
  trace,
  type Attributes,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, textResult } from "../src/index.ts";
import { scripted } from "./helpers.ts";

/** A minimal in-memory TracerProvider (no SDK dependency) that records span names and attributes. */
interface Recorded {
  name: string;
  attributes: Attributes;
  ended: boolean;
}
const spans: Recorded[] = [];
function recordingSpan(name: string, options?: SpanOptions): Span {
  const rec: Recorded = { name, attributes: { ...(options?.attributes ?? {}) }, ended: false };
  spans.push(rec);
  const span: Span = {
    spanContext: () => ({ traceId: "0".repeat(31) + "1", spanId: "0".repeat(15) + "1", traceFlags: 1 }),
    setAttribute: (k, v) => ((rec.attributes[k] = v), span),
    setAttributes: (a) => (Object.assign(rec.attributes, a), span),
    addEvent: () => span,
    addLink: () => span,
    addLinks: () => span,
    setStatus: () => span,
    updateName: () => span,
    end: () => void (rec.ended = true),
    isRecording: () => true,
    recordException: () => {},
  };
  return span;
}
const tracer: Tracer = {
  startSpan: (name, options) => recordingSpan(name, options),
  startActiveSpan: (name: string, ...rest: unknown[]) => {
    const fn = rest.at(-1) as (s: Span) => unknown;
    const options: SpanOptions | undefined =
      typeof rest[0] === "object" && rest[0] !== null ? rest[0] : undefined;
    return fn(recordingSpan(name, options));
  },
};
const provider: TracerProvider = { getTracer: () => tracer };

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
});
afterAll(() => {
  trace.disable();
});

describe("GenAI spans", () => {
  it("wraps model calls in `chat {model}` and tools in `execute_tool {tool}`, without content by default", async () => {
    const { model } = await scripted([
      {
        toolCalls: [{ id: "c1", name: "echo", arguments: { value: "secret" } }],
        usage: { inputTokens: 5, outputTokens: 3 },
      },
      { text: "done", usage: { inputTokens: 9, outputTokens: 1 } },
    ]);
    const agent = new Agent({
      model,
      agentName: "helper",
      tools: [
        {
          name: "echo",
          description: "",
          parameters: { type: "object" },
          execute: () => Promise.resolve(textResult("ok")),
        },
      ],
    });
    await agent.prompt("private prompt text");
    expect(spans.map((s) => s.name)).toEqual([
      "invoke_agent helper",
      "chat test-model",
      "execute_tool echo",
      "chat test-model",
    ]);
    expect(spans.every((s) => s.ended)).toBe(true);
    expect(spans.shift()?.attributes).toEqual({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "helper",
    });
    expect(spans[0]?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "test-model",
      "gen_ai.usage.input_tokens": 5,
      "gen_ai.usage.output_tokens": 3,
    });
    expect(spans[1]?.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "echo",
      "gen_ai.tool.call.id": "c1",
    });
    expect(JSON.stringify(spans)).not.toContain("private prompt text");
    expect(JSON.stringify(spans)).not.toContain("secret");
  });
});
