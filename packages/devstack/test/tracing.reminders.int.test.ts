/**
 * Timers and reminders on real daprd (placement, scheduler, Redis, one sidecar) carry no trace context, so
 * the Dapr host stores the scheduling span's traceparent inside the schedule data. A firing must be a new
 * trace whose root span links to the actor call that scheduled it, and the actor must see only its own data.
 * The app runs in this process under the real telemetry bootstrap (in-memory exporter), imported after it.
 */
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { actorType, type Json } from "@troupe/actor-interfaces";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  startTelemetry,
  type ReadableSpan,
  type Telemetry,
} from "@troupe/telemetry";
import type { ScheduleResult } from "@troupe/actor-runtime";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaprEnv, type DaprEnv } from "../src/dapr-env.ts";
import { freePort } from "../src/ports.ts";

const APP_ID = "trace-reminders";

interface ProbeApi {
  Arm(input: { kind: "timer" | "reminder"; name: string }): Promise<object>;
}
const TraceProbe = actorType<ProbeApi>()("TraceProbe", { Arm: true });

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor(exporter);
const fired: { kind: string; name: string; data: Json | undefined; traceId: string | undefined }[] = [];
let telemetry: Telemetry | undefined;
let env: DaprEnv | undefined;
let app: FastifyInstance | undefined;
let callArm: ((input: { kind: "timer" | "reminder"; name: string }) => Promise<object>) | undefined;

beforeAll(async () => {
  telemetry = startTelemetry({
    serviceName: APP_ID,
    env: { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none" },
    spanProcessors: [processor],
    flushOnSignals: false,
  });
  const runtime = await import("@troupe/actor-runtime");
  const { daprActorHost, registration } = runtime;
  const { createServer } = await import("@troupe/service-kit");
  const appPort = await freePort();
  env = await startDaprEnv({
    apps: [{ appId: APP_ID, appPort }],
    waitFor: "outbound",
    env: process.env,
  });
  const record = (kind: string) => (name: string, data: Json | undefined) => {
    fired.push({ kind, name, data, traceId: trace.getActiveSpan()?.spanContext().traceId });
    return Promise.resolve<ScheduleResult>(runtime.CANCEL_SCHEDULE);
  };
  const reg = registration(TraceProbe, (ctx) => ({
    async Arm({ kind, name }) {
      await (kind === "timer" ? ctx.timers : ctx.reminders).set(name, {
        dueTime: "1s",
        data: { kind, n: 1 },
      });
      return {};
    },
    onTimer: record("timer"),
    onReminder: record("reminder"),
  }));
  const plugin = daprActorHost({
    registrations: [reg],
    sidecar: { daprHttpPort: env.sidecars[APP_ID]!.httpPort },
    healthPath: "/healthz",
  });
  const server = createServer({ name: APP_ID, logLevel: "warn" });
  await server.register(plugin);
  await server.listen({ host: "127.0.0.1", port: appPort });
  app = server;
  await env.waitHealthy();
  callArm = (input) => plugin.host.actors.actor(TraceProbe, "probe-1").Arm(input);
});

afterAll(async () => {
  try {
    await app?.close();
  } finally {
    try {
      await env?.stop();
    } finally {
      await telemetry?.shutdown();
    }
  }
});

async function spans(): Promise<ReadableSpan[]> {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
}

describe("timers and reminders on Dapr", () => {
  it.each(["reminder", "timer"] as const)(
    "a %s firing is a new trace linked to the actor call that scheduled it",
    async (kind) => {
      const name = `${kind}-1`;
      const request = trace.getTracer("test").startSpan(`request ${kind}`);
      await context.with(trace.setSpan(ROOT_CONTEXT, request), () => callArm!({ kind, name }));
      request.end();
      const deadline = Date.now() + 30_000;
      while (!fired.some((f) => f.name === name) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const seen = fired.find((f) => f.name === name);
      expect(seen, `the ${kind} never fired`).toBeDefined();
      // The actor sees its own data, not the stored trace context.
      expect(seen!.data).toEqual({ kind, n: 1 });

      const all = await spans();
      const firing = all.find((s) => s.name === `TraceProbe/${kind} ${name}`);
      expect(firing, all.map((s) => s.name).join(", ")).toBeDefined();
      expect(seen!.traceId).toBe(firing!.spanContext().traceId);
      expect(firing!.spanContext().traceId).not.toBe(request.spanContext().traceId);
      expect(firing!.attributes).toMatchObject({ "rpc.system": "dapr", "troupe.actor.callback": kind });
      // Linked to the SERVER span of TraceProbe/Arm, which sits in the scheduling request's trace.
      expect(firing!.links).toHaveLength(1);
      const link = firing!.links[0]!;
      expect(link.context.traceId).toBe(request.spanContext().traceId);
      const scheduler = all.find((s) => s.spanContext().spanId === link.context.spanId);
      expect(scheduler?.name).toBe("TraceProbe/Arm");
    },
  );
});
