/**
 * The propagation pieces of the libraries under the real SDK bootstrap (startTelemetry, in-memory exporter):
 * service-kit's handling of requests without a socket and its log mixin, and the embedded runtime's
 * timer/reminder firings (a new trace LINKED to the scheduling span) and actor call spans.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { actorType, type Json } from "@troupe/actor-interfaces";
import { createEmbeddedRuntime, registration, type EmbeddedRuntime } from "@troupe/actor-runtime";
import { createServer, flushTelemetry, traceLogMixin } from "@troupe/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemorySpanExporter, SimpleSpanProcessor, startTelemetry, type Telemetry } from "../src/index.ts";

const exporter = new InMemorySpanExporter();
// Exports wait for the resource's async attributes (host/process detectors): flush before reading.
const processor = new SimpleSpanProcessor(exporter);
let telemetry: Telemetry;
let runtime: EmbeddedRuntime | undefined;

beforeAll(() => {
  telemetry = startTelemetry({
    serviceName: "propagation-test",
    env: { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none" },
    spanProcessors: [processor],
    flushOnSignals: false,
  });
});

afterAll(async () => {
  await runtime?.stop();
  await telemetry.shutdown();
});

let finished: () => ReturnType<InMemorySpanExporter["getFinishedSpans"]> = () => [];
const flush = async () => {
  await processor.forceFlush();
  const spans = exporter.getFinishedSpans();
  finished = () => spans;
};

describe("service-kit request tracing", () => {
  it("a fastify.inject request continues its traceparent in a SERVER span named after the route", async () => {
    const app = createServer({ name: "svc", logLevel: "silent" });
    app.get<{ Params: { id: string } }>("/things/:id", () => {
      const sc = trace.getActiveSpan()?.spanContext();
      return { traceId: sc?.traceId, spanId: sc?.spanId, log: traceLogMixin() };
    });
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const res = await app.inject({ method: "GET", url: "/things/42", headers: { traceparent } });
    const body = res.json<{ traceId: string; spanId: string; log: Record<string, string> }>();
    await flush();
    const span = finished().find((s) => s.name === "GET /things/:id");
    expect(span).toBeDefined();
    expect(span!.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(span!.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    expect(span!.attributes).toMatchObject({ "http.route": "/things/:id", "troupe.service": "svc" });
    expect(span!.attributes["http.response.status_code"]).toBe(200);
    expect(res.headers["x-trace-id"]).toBe("0af7651916cd43dd8448eb211c80319c");
    // The handler ran inside that span, and log lines carry its ids.
    expect(body.spanId).toBe(span!.spanContext().spanId);
    expect(body.log).toMatchObject({ trace_id: body.traceId, span_id: body.spanId, trace_flags: "01" });
    await app.close();
  });

  it("without a traceparent it is a child of the active context (an in-process caller's span)", async () => {
    const app = createServer({ name: "svc", logLevel: "silent" });
    app.get("/ping", () => ({ ok: true }));
    await app.ready();
    const caller = trace.getTracer("t").startSpan("caller");
    // `await` inside: light-my-request dispatches when its chain is awaited, in the awaiting context.
    await context.with(trace.setSpan(ROOT_CONTEXT, caller), async () => {
      await app.inject({ method: "GET", url: "/ping" });
    });
    caller.end();
    await flush();
    const span = finished().find((s) => s.name === "GET /ping")!;
    expect(span.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    await app.close();
  });
});

describe("flushTelemetry (service-kit's serve() calls it before exiting)", () => {
  it("flushes the registered tracer provider through the API", async () => {
    const span = trace.getTracer("t").startSpan("flush-me");
    span.end();
    await flushTelemetry(2000);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toContain("flush-me");
  });
});

describe("embedded runtime spans", () => {
  interface ScheduledApi {
    Arm(input: { kind: "timer" | "reminder" }): Promise<object>;
  }
  const Scheduled = actorType<ScheduledApi>()("Scheduled", { Arm: true });
  const fired: { kind: string; data: Json | undefined; traceId: string | undefined }[] = [];
  const reg = registration(Scheduled, (ctx) => ({
    async Arm({ kind }) {
      const scheduler = kind === "timer" ? ctx.timers : ctx.reminders;
      await scheduler.set(`${kind}-1`, { dueTime: "10ms", data: { kind } });
      return {};
    },
    onTimer(_name: string, data: Json | undefined) {
      fired.push({ kind: "timer", data, traceId: trace.getActiveSpan()?.spanContext().traceId });
      return Promise.resolve(undefined);
    },
    onReminder(_name: string, data: Json | undefined) {
      fired.push({ kind: "reminder", data, traceId: trace.getActiveSpan()?.spanContext().traceId });
      return Promise.resolve(undefined);
    },
  }));

  it.each(["timer", "reminder"] as const)(
    "a %s firing is a new trace linked to the span that scheduled it",
    async (kind) => {
      runtime ??= await createEmbeddedRuntime({ registrations: [reg] });
      const rt = runtime;
      const request = trace.getTracer("t").startSpan(`request ${kind}`);
      await context.with(trace.setSpan(ROOT_CONTEXT, request), () =>
        rt.actors.actor(Scheduled, `s-${kind}`).Arm({ kind }),
      );
      request.end();
      const deadline = Date.now() + 5000;
      while (!fired.some((f) => f.kind === kind) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      await flush();
      const firing = finished().find((s) => s.name === `Scheduled/${kind} ${kind}-1`);
      expect(
        firing,
        finished()
          .map((s) => s.name)
          .join(", "),
      ).toBeDefined();
      expect(firing!.parentSpanContext).toBeUndefined();
      expect(firing!.spanContext().traceId).not.toBe(request.spanContext().traceId);
      // The link points at the actor call's SERVER span, which is inside the scheduling request's trace.
      const link = firing!.links[0]!;
      expect(link.context.traceId).toBe(request.spanContext().traceId);
      const scheduler = finished().find((s) => s.spanContext().spanId === link.context.spanId);
      expect(scheduler?.name).toBe("Scheduled/Arm");
      // The actor saw its own data (not the stored trace context) and ran inside the firing span.
      const seen = fired.find((f) => f.kind === kind)!;
      expect(seen.data).toEqual({ kind });
      expect(seen.traceId).toBe(firing!.spanContext().traceId);
      // Actor calls: CLIENT where called, SERVER (its child) where run, in the request's trace.
      const inRequest = finished().filter((s) => s.spanContext().traceId === request.spanContext().traceId);
      const client = inRequest.find((s) => s.name === "Scheduled/Arm" && s.kind === SpanKind.CLIENT);
      expect(client?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(scheduler?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
    },
  );

  it("the W3C propagator is registered (tracecontext + baggage)", () => {
    expect(propagation.fields()).toEqual(expect.arrayContaining(["traceparent", "tracestate", "baggage"]));
  });
});
