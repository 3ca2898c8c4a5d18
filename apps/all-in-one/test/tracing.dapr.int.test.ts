/**
 * One trace per request on the real stack: Redis, placement, scheduler, one daprd per app (tracing to a
 * Zipkin receiver started here) and the three apps as child processes with their real instrumentation
 * module loaded (`--import apps/<id>/src/instrumentation.ts`, OTLP/JSON to the same receiver). chat-service
 * uses the LLM engine against a scripted OpenAI-compatible model that calls the calculator tool once.
 *
 * One `POST /chat/{id}` must produce ONE trace holding spans of all three apps and of daprd, and the
 * MemoryAgent update made by the ConversationUpdated event must lead back, parent by parent, through the
 * subscriber route, daprd's delivery, the publish and the ChatAgent call, to the REST span.
 */
import { startScriptedModelServer, type ScriptedModelServer } from "@troupe/agent-loop";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appEnv,
  appNodeArgs,
  REPO_ROOT,
  STACK_APPS,
  startDaprEnv,
  waitForHttp,
  type DaprEnv,
} from "@troupe/devstack";
import { startSpanReceiver, type ReceivedSpan, type SpanReceiver } from "./tracing/span-receiver.ts";
import { chainToRoot, describeSpan, indexIn } from "./tracing/trace-walk.ts";

const MODEL = "scripted-trace-model";
const CONVERSATION = "trace-conv-1";

let receiver: SpanReceiver | undefined;
let model: ScriptedModelServer | undefined;
let env: DaprEnv | undefined;

const appUrl = (appId: string) => `http://127.0.0.1:${env?.sidecars[appId]?.appPort}`;

beforeAll(async () => {
  receiver = await startSpanReceiver();
  // First call: one calculator tool call; once the tool result is in, the final answer.
  model = await startScriptedModelServer({
    model: MODEL,
    script: (request) =>
      request.messages.some((m) => m.role === "tool")
        ? { text: "6 times 7 is 42.", usage: { inputTokens: 120, outputTokens: 8 } }
        : {
            toolCalls: [{ id: "call_calc_1", name: "calculator", arguments: { expression: "6*7" } }],
            usage: { inputTokens: 100, outputTokens: 12 },
          },
  });
  env = await startDaprEnv({
    apps: STACK_APPS.map((appId) => ({ appId })),
    zipkinEndpoint: receiver.zipkinEndpoint,
    waitFor: "outbound",
    env: process.env,
  });
  const base = {
    ...process.env,
    LOG_LEVEL: "warn",
    OPENAI_BASE_URL: model.baseURL,
    OPENAI_MODEL: MODEL,
    OPENAI_API_KEY: "test-key-not-secret",
  };
  const telemetry = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_METRIC_EXPORT_INTERVAL: "500",
  };
  const dapr = env;
  await Promise.all(
    STACK_APPS.map(async (appId) => {
      const proc = dapr.supervisor.start(appId, process.execPath, appNodeArgs(appId), {
        // The test's OTEL_* settings win over anything in the caller's environment.
        env: { ...appEnv(base, appId, dapr.plan), ...telemetry },
        cwd: REPO_ROOT,
      });
      await waitForHttp(`${appUrl(appId)}/healthz`, { process: proc, timeoutMs: 60_000 });
    }),
  );
  await dapr.waitHealthy();
});

afterAll(async () => {
  try {
    await env?.stop();
  } finally {
    await Promise.allSettled([model?.close(), receiver?.close()]);
  }
});

const isRest = (s: ReceivedSpan) =>
  s.origin === "app" && s.service === "chat-service" && s.kind === "SERVER" && s.name === "POST /chat/:id";
const isMemoryUpdate = (s: ReceivedSpan) =>
  s.origin === "app" &&
  s.service === "agent-memory-service" &&
  s.kind === "SERVER" &&
  s.name === "MemoryAgent/ApplyConversationEvent";

describe("tracing on the real Dapr stack", () => {
  it("one POST /chat/{id} is one trace across the three apps and daprd, parent-linked down to the memory update", async () => {
    const r = receiver!;
    const res = await fetch(`${appUrl("chat-service")}/chat/${CONVERSATION}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "What is 6 times 7?" }),
      signal: AbortSignal.timeout(60_000),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { response: { content: string } }).response.content).toBe(
      "6 times 7 is 42.",
    );
    expect(model!.requests).toHaveLength(2);

    await r.waitFor((spans) => spans.some(isRest), 30_000, "the REST span");
    const traceId = r.spans.find(isRest)!.traceId;
    // The answer names its trace (what a user pastes into Jaeger's search box).
    expect(res.headers.get("x-trace-id")).toBe(traceId);
    const inTrace = () => r.spans.filter((s) => s.traceId === traceId);
    // daprd batches for up to 5 s (Go SDK default); wait until both chains we walk below are complete (on a
    // timeout, the assertions below name what is missing).
    const walks = (t: ReceivedSpan[], match: (s: ReceivedSpan) => boolean) => {
      const leaf = t.find(match);
      if (!leaf) return false;
      try {
        return chainToRoot(t, leaf).at(-1)?.name === "POST /chat/:id";
      } catch {
        return false;
      }
    };
    await r
      .waitFor(
        () =>
          walks(inTrace(), isMemoryUpdate) &&
          walks(inTrace(), (s) => s.service === "tool-service" && s.name === "POST /tools/calculator/invoke"),
        45_000,
        `complete chains in trace ${traceId}`,
      )
      .catch(() => undefined);
    const trace = inTrace();
    const dump = () => trace.map(describeSpan).join("\n");

    // One trace: spans of all three apps and of daprd (each sidecar reports under its app id).
    const apps = new Set(trace.filter((s) => s.origin === "app").map((s) => s.service));
    const sidecars = new Set(trace.filter((s) => s.origin === "daprd").map((s) => s.service));
    expect([...apps].sort(), dump()).toEqual(["agent-memory-service", "chat-service", "tool-service"]);
    expect([...sidecars].sort(), dump()).toEqual(["agent-memory-service", "chat-service", "tool-service"]);
    expect(r.errors).toEqual([]);

    // The REST span is the root of the trace (the client sent no traceparent).
    const rest = trace.filter(isRest);
    expect(rest).toHaveLength(1);
    expect(rest[0]!.parentId).toBeUndefined();

    // Actor calls as RPC spans, GenAI spans with usage (no prompt text by default), the tool call in
    // tool-service.
    const names = trace.map((s) => `${s.service}|${s.kind}|${s.name}`);
    for (const expected of [
      "chat-service|CLIENT|ChatAgent/ProcessMessage",
      "chat-service|SERVER|ChatAgent/ProcessMessage",
      "chat-service|SERVER|ResponseAgent/ProcessMessage",
      "agent-memory-service|SERVER|MemoryAgent/GetMemory",
      `chat-service|CLIENT|chat ${MODEL}`,
      "chat-service|INTERNAL|execute_tool calculator",
      "chat-service|PRODUCER|publish user-chat",
      "tool-service|SERVER|POST /tools/calculator/invoke",
      "agent-memory-service|SERVER|POST /events/conversation-updated",
    ]) {
      expect(names, `${expected} missing from\n${dump()}`).toContain(expected);
    }
    const modelSpans = trace.filter((s) => s.name === `chat ${MODEL}`);
    expect(modelSpans).toHaveLength(2);
    for (const span of modelSpans) {
      expect(span.attributes["gen_ai.request.model"]).toBe(MODEL);
      expect(span.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
      expect(span.attributes).not.toHaveProperty("gen_ai.input.messages");
    }
    // fetch to the model API is an HTTP CLIENT span (undici instrumentation) under each GenAI span.
    for (const span of modelSpans) {
      const http = trace.filter((s) => s.parentId === span.spanId && s.kind === "CLIENT");
      expect(
        http.map((s) => s.attributes["http.request.method"]),
        dump(),
      ).toEqual(["POST"]);
    }
    const tool = trace.find((s) => s.name === "execute_tool calculator")!;
    expect(tool.attributes["gen_ai.tool.call.id"]).toBe("call_calc_1");
    expect(tool.attributes).not.toHaveProperty("gen_ai.tool.call.arguments");
    const actorServer = trace.find((s) => s.name === "ChatAgent/ProcessMessage" && s.kind === "SERVER")!;
    expect(actorServer.attributes).toMatchObject({
      "rpc.system": "dapr",
      "troupe.actor.type": "ChatAgent",
      "troupe.actor.id": CONVERSATION,
      "troupe.actor.method": "ProcessMessage",
    });

    // The tool-service request descends from the execute_tool span through daprd.
    const toolServer = trace.find(
      (s) => s.service === "tool-service" && s.name === "POST /tools/calculator/invoke",
    )!;
    const toolChain = chainToRoot(trace, toolServer);
    expect(toolChain.at(-1)).toBe(rest[0]);
    expect(
      toolChain.some((s) => s.origin === "daprd"),
      toolChain.map(describeSpan).join("\n"),
    ).toBe(true);
    expect(toolChain).toContain(tool);

    // The memory update made by the event: subscriber route ← daprd delivery ← publish ← ChatAgent ← REST.
    const update = trace.find(isMemoryUpdate)!;
    const chain = chainToRoot(trace, update);
    const shown = chain.map(describeSpan).join("\n");
    expect(chain.at(-1), shown).toBe(rest[0]);
    const route = indexIn(chain, (s) => s.name === "POST /events/conversation-updated");
    const publish = indexIn(chain, (s) => s.name === "publish user-chat" && s.kind === "PRODUCER", route);
    const chatAgent = indexIn(
      chain,
      (s) => s.name === "ChatAgent/ProcessMessage" && s.kind === "SERVER",
      publish,
    );
    expect(route, shown).toBeGreaterThan(0);
    expect(publish, shown).toBeGreaterThan(route);
    expect(chatAgent, shown).toBeGreaterThan(publish);
    // daprd sits between the publisher and the subscriber.
    expect(
      chain.slice(route + 1, publish).some((s) => s.origin === "daprd"),
      shown,
    ).toBe(true);

    // Metrics derived from these spans reach the same collector over OTLP.
    await r.waitFor(
      () => r.metrics.get("chat-service")?.has("gen_ai.client.token.usage") ?? false,
      15_000,
      "chat-service metrics",
    );
    const chatMetrics = r.metrics.get("chat-service")!;
    for (const name of [
      "troupe.http.server.duration",
      "troupe.actor.call.duration",
      "troupe.tool.duration",
      "gen_ai.client.operation.duration",
      "gen_ai.client.token.usage",
      "troupe.messaging.duration",
    ]) {
      expect([...chatMetrics], name).toContain(name);
    }
  });
});
