import { SpanKind, SpanStatusCode, metrics, type Attributes } from "@opentelemetry/api";
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { beforeAll, describe, expect, it } from "vitest";
import { METRIC_NAMES, SpanMetricsProcessor } from "../src/span-metrics.ts";

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const reader = new TestReader();
const tracer = new BasicTracerProvider({ spanProcessors: [new SpanMetricsProcessor()] }).getTracer("test");

beforeAll(() => {
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});

function span(name: string, kind: SpanKind, attributes: Attributes, error = false): void {
  const s = tracer.startSpan(name, { kind, attributes });
  if (error) s.setStatus({ code: SpanStatusCode.ERROR });
  s.end();
}

async function points(name: string) {
  const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === name);
  return ((metric as HistogramMetricData | undefined)?.dataPoints ?? []).map((p) => ({
    attributes: p.attributes,
    count: p.value.count,
    sum: p.value.sum,
  }));
}

describe("SpanMetricsProcessor", () => {
  it("records RED per route from SERVER spans with http.route (old and new semconv names)", async () => {
    span("POST /chat/:id", SpanKind.SERVER, {
      "http.route": "/chat/:id",
      "http.request.method": "POST",
      "http.response.status_code": 200,
    });
    span("POST /chat/:id", SpanKind.SERVER, {
      "http.route": "/chat/:id",
      "http.method": "POST",
      "http.status_code": 500,
    });
    span("GET", SpanKind.SERVER, { "http.request.method": "GET" }); // no route (404): not recorded
    span("GET /x", SpanKind.CLIENT, { "http.route": "/x" }); // client spans are not requests served
    const p = await points(METRIC_NAMES.http);
    expect(p).toHaveLength(2);
    expect(p.map((x) => x.attributes["http.response.status_code"]).sort()).toEqual([200, 500]);
    expect(p.every((x) => x.attributes["http.route"] === "/chat/:id" && x.count === 1)).toBe(true);
  });

  it("records actor calls from SERVER actor spans only, with the outcome", async () => {
    const attrs = {
      "troupe.actor.type": "ChatAgent",
      "troupe.actor.method": "ProcessMessage",
      "troupe.actor.id": "c1",
    };
    span("ChatAgent/ProcessMessage", SpanKind.SERVER, attrs);
    span("ChatAgent/ProcessMessage", SpanKind.SERVER, attrs, true);
    span("ChatAgent/ProcessMessage", SpanKind.CLIENT, attrs);
    const p = await points(METRIC_NAMES.actor);
    expect(
      p.map((x) => [x.attributes["troupe.actor.method"], x.attributes["outcome"], x.count]).sort(),
    ).toEqual([
      ["ProcessMessage", "error", 1],
      ["ProcessMessage", "ok", 1],
    ]);
    // The actor id is not a metric attribute (unbounded cardinality).
    expect(p.every((x) => !("troupe.actor.id" in x.attributes))).toBe(true);
  });

  it("records model latency and token usage, and tool executions, from GenAI spans", async () => {
    span("chat m", SpanKind.CLIENT, {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "m",
      "gen_ai.provider.name": "openai",
      "gen_ai.usage.input_tokens": 100,
      "gen_ai.usage.output_tokens": 7,
    });
    span("execute_tool calculator", SpanKind.INTERNAL, {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "calculator",
      "gen_ai.tool.call.id": "call_1",
    });
    expect((await points(METRIC_NAMES.modelDuration))[0]?.attributes).toMatchObject({
      "gen_ai.request.model": "m",
    });
    const tokens = await points(METRIC_NAMES.modelTokens);
    expect(tokens.map((t) => [t.attributes["gen_ai.token.type"], t.sum]).sort()).toEqual([
      ["input", 100],
      ["output", 7],
    ]);
    const tools = await points(METRIC_NAMES.tool);
    expect(tools.map((t) => [t.attributes, t.count])).toEqual([
      [{ "gen_ai.tool.name": "calculator", outcome: "ok" }, 1],
    ]);
  });

  it("records publish and process per topic from messaging spans", async () => {
    span("publish user-chat", SpanKind.PRODUCER, {
      "messaging.operation.type": "send",
      "messaging.destination.name": "user-chat",
    });
    span("process user-chat", SpanKind.CONSUMER, {
      "messaging.operation.type": "process",
      "messaging.destination.name": "user-chat",
    });
    const p = await points(METRIC_NAMES.messaging);
    expect(p.map((x) => x.attributes["messaging.operation.type"]).sort()).toEqual(["process", "send"]);
  });
});
