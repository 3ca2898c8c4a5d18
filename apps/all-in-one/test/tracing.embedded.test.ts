/**
 * One trace per request in embedded mode (`npm start`: the three services in one process on the embedded
 * runtime). The real telemetry bootstrap (`startTelemetry`, as the instrumentation modules call it) runs
 * before the services are imported, with an in-memory exporter added; chat-service uses the LLM engine on
 * a scripted model that calls the calculator tool once. Our own spans must form one trace from the REST span
 * down to the MemoryAgent update made by the ConversationUpdated event.
 */
import { startScriptedModelServer, type ScriptedModelServer } from "@troupe/agent-loop";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  startTelemetry,
  type ReadableSpan,
  type Telemetry,
} from "@troupe/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedSystem } from "../src/embedded-system.ts";
import { chainToRoot, describeSpan, indexIn, type SpanLike } from "./tracing/trace-walk.ts";

const MODEL = "scripted-trace-model";
const KINDS = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry | undefined;
let model: ScriptedModelServer | undefined;
let system: EmbeddedSystem | undefined;

interface Span extends SpanLike {
  attributes: ReadableSpan["attributes"];
  links: ReadableSpan["links"];
}

function spans(): Span[] {
  return exporter.getFinishedSpans().map((s) => ({
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentId: s.parentSpanContext?.spanId,
    name: s.name,
    kind: KINDS[s.kind] ?? "INTERNAL",
    service: String(s.attributes["troupe.service"] ?? s.resource.attributes["service.name"] ?? ""),
    attributes: s.attributes,
    links: s.links,
  }));
}

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  telemetry = startTelemetry({
    serviceName: "troupe-embedded",
    env: { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none" },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    flushOnSignals: false,
  });
  model = await startScriptedModelServer({
    model: MODEL,
    script: (request) =>
      request.messages.some((m) => m.role === "tool")
        ? { text: "6 times 7 is 42." }
        : { toolCalls: [{ id: "call_calc_1", name: "calculator", arguments: { expression: "6*7" } }] },
  });
  // Imported only now: the http instrumentation patches node:http before fastify loads (as --import does).
  const { startEmbeddedSystem } = await import("../src/embedded-system.ts");
  const chatService = await import("@troupe/chat-service");
  system = await startEmbeddedSystem({
    ports: { chat: 0, memory: 0, tools: 0 },
    logLevel: "warn",
    chatConfig: chatService.loadConfig({
      OPENAI_BASE_URL: model.baseURL,
      OPENAI_MODEL: MODEL,
      OPENAI_API_KEY: "test-key-not-secret",
    }),
  });
}, 60_000);

afterAll(async () => {
  try {
    await system?.stop();
  } finally {
    await Promise.allSettled([model?.close(), telemetry?.shutdown()]);
  }
});

describe("tracing in embedded mode", () => {
  it("one POST /chat/{id} is one trace of our spans, parent-linked from the REST span to the memory update", async () => {
    const res = await fetch(`${system!.urls.chat}/chat/embedded-trace-1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "What is 6 times 7?" }),
    });
    expect(res.status).toBe(200);
    await system!.platform.pubsub.drain();

    const isRest = (s: Span) => s.kind === "SERVER" && s.name === "POST /chat/:id";
    const isUpdate = (s: Span) => s.kind === "SERVER" && s.name === "MemoryAgent/ApplyConversationEvent";
    await eventually(
      () => spans().some(isRest) && spans().some(isUpdate),
      10_000,
      "the REST and memory spans",
    );
    const all = spans();
    const rest = all.find(isRest)!;
    const trace = all.filter((s) => s.traceId === rest.traceId);
    const dump = trace.map(describeSpan).join("\n");

    // This test's own fetch is traced too (undici instrumentation): it is the root, the REST span its child.
    const client = trace.find((s) => s.spanId === rest.parentId);
    expect(client?.kind, dump).toBe("CLIENT");
    expect(client?.parentId, dump).toBeUndefined();
    const endsAtRest = (chain: Span[]) => chain.at(-2) === rest && chain.at(-1) === client;
    expect(new Set(trace.map((s) => s.attributes["troupe.service"]).filter(Boolean)), dump).toEqual(
      new Set(["chat-service", "agent-memory-service", "tool-service"]),
    );
    for (const name of [
      "ChatAgent/ProcessMessage",
      "ResponseAgent/ProcessMessage",
      "MemoryAgent/GetMemory",
      `chat ${MODEL}`,
      "execute_tool calculator",
      "publish user-chat",
      "process user-chat",
      "POST /tools/calculator/invoke",
    ]) {
      expect(
        trace.map((s) => s.name),
        `${name} missing from\n${dump}`,
      ).toContain(name);
    }
    const actor = trace.find((s) => s.name === "ChatAgent/ProcessMessage" && s.kind === "SERVER")!;
    expect(actor.attributes).toMatchObject({
      "rpc.system": "troupe-embedded",
      "troupe.actor.type": "ChatAgent",
      "troupe.actor.id": "embedded-trace-1",
    });

    // The tool-service request (fastify.inject) continues the execute_tool span's context.
    const toolServer = trace.find((s) => s.name === "POST /tools/calculator/invoke" && s.kind === "SERVER")!;
    const toolChain = chainToRoot(trace, toolServer);
    expect(endsAtRest(toolChain), toolChain.map(describeSpan).join("\n")).toBe(true);
    expect(toolChain.map((s) => s.name)).toContain("execute_tool calculator");

    // The memory update: subscriber route ← process (consumer) ← publish (producer) ← ChatAgent ← REST.
    const chain = chainToRoot(trace, trace.find(isUpdate)!);
    const shown = chain.map(describeSpan).join("\n");
    expect(endsAtRest(chain), shown).toBe(true);
    const route = indexIn(chain, (s) => s.name === "POST /events/conversation-updated");
    const consumer = indexIn(chain, (s) => s.name === "process user-chat" && s.kind === "CONSUMER", route);
    const producer = indexIn(chain, (s) => s.name === "publish user-chat" && s.kind === "PRODUCER", consumer);
    const chatAgent = indexIn(chain, (s) => s.name === "ChatAgent/ProcessMessage", producer);
    expect(route, shown).toBeGreaterThan(0);
    expect(consumer, shown).toBeGreaterThan(route);
    expect(producer, shown).toBeGreaterThan(consumer);
    expect(chatAgent, shown).toBeGreaterThan(producer);
  });
});
