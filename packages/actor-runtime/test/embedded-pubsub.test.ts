import { TroupeError } from "@troupe/actor-interfaces";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  ROOT_CONTEXT,
  context,
  propagation,
  trace,
  TraceFlags,
  type Context,
  type ContextManager,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import type { CloudEvent, DeliveryStatus } from "../src/api.ts";
import { createInProcessPubSub, parseTypeMatch, type InProcessPubSub } from "../src/embedded/pubsub.ts";
import {
  createEmbeddedServiceInvoker,
  createEnvSecretReader,
  ServiceInvocationError,
} from "../src/embedded/services.ts";

/** Minimal stand-ins for what an app's OpenTelemetry SDK registers (the runtime only uses the API). */
function testContextManager(): ContextManager {
  const storage = new AsyncLocalStorage<Context>();
  return {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (_ctx, target) => target,
    enable() {
      return this;
    },
    disable() {
      storage.disable();
      return this;
    },
  };
}

const w3cPropagator: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const span = trace.getSpanContext(ctx);
    if (!span) return;
    setter.set(carrier, "traceparent", `00-${span.traceId}-${span.spanId}-0${span.traceFlags.toString(16)}`);
    if (span.traceState) setter.set(carrier, "tracestate", span.traceState.serialize());
  },
  extract: (ctx) => ctx,
  fields: () => ["traceparent", "tracestate"],
};

const quiet = { info() {}, warn() {}, error() {} };
const fast = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 };

describe("in-process pub/sub", () => {
  let bus: InProcessPubSub | undefined;
  afterEach(() => bus?.close());
  const make = () => (bus = createInProcessPubSub({ source: "test-app", retry: fast, log: quiet }));

  it("delivers a CloudEvents 1.0 envelope asynchronously after publish resolves", async () => {
    const pubsub = make();
    const received: CloudEvent[] = [];
    pubsub.subscribe({ topic: "t", defaultHandler: (e) => (received.push(e), Promise.resolve("SUCCESS")) });
    await pubsub.publish("t", { type: "Thing", data: { n: 1 }, subject: "s1" });
    expect(received).toEqual([]);
    await pubsub.drain();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      specversion: "1.0",
      source: "test-app",
      type: "Thing",
      subject: "s1",
      datacontenttype: "application/json",
      data: { n: 1 },
      topic: "t",
      pubsubname: "pubsub",
    });
    expect(received[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(received[0]?.time ?? ""))).toBe(false);
  });

  it("routes on event.type with a default route", async () => {
    const pubsub = make();
    const seen: string[] = [];
    const to = (name: string) => (e: CloudEvent) => (
      seen.push(`${name}:${e.type}`),
      Promise.resolve<DeliveryStatus>("SUCCESS")
    );
    pubsub.subscribe({
      topic: "t",
      rules: [
        { match: 'event.type == "A"', handler: to("a") },
        { match: { type: "B" }, handler: to("b") },
      ],
      defaultHandler: to("default"),
    });
    await pubsub.publish("t", { type: "A", data: null });
    await pubsub.publish("t", { type: "B", data: null });
    await pubsub.publish("t", { type: "C", data: null });
    await pubsub.drain();
    expect(seen.sort()).toEqual(["a:A", "b:B", "default:C"]);
  });

  it("rejects routing rules it cannot evaluate", () => {
    expect(parseTypeMatch("event.type == 'X'")).toBe("X");
    expect(() => parseTypeMatch('event.data.kind == "X"')).toThrow(/unsupported routing rule/);
  });

  it("retries RETRY and thrown errors with backoff until success (at-least-once)", async () => {
    const pubsub = make();
    const answers: (DeliveryStatus | Error)[] = ["RETRY", new Error("flaky"), "SUCCESS"];
    let attempts = 0;
    pubsub.subscribe({
      topic: "t",
      defaultHandler: () => {
        const answer = answers[attempts++];
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? "SUCCESS");
      },
    });
    await pubsub.publish("t", { type: "X", data: 1 });
    await pubsub.drain();
    expect(attempts).toBe(3);
  });

  it("does not retry a DROP", async () => {
    const pubsub = make();
    let attempts = 0;
    pubsub.subscribe({ topic: "t", defaultHandler: () => (attempts++, Promise.resolve("DROP")) });
    await pubsub.publish("t", { type: "X", data: 1 });
    await pubsub.drain();
    expect(attempts).toBe(1);
  });

  it("sends an event to the dead-letter topic after maxAttempts failures", async () => {
    const pubsub = make();
    let attempts = 0;
    const dead: CloudEvent[] = [];
    pubsub.subscribe({
      topic: "t",
      deadLetterTopic: "t-dlq",
      defaultHandler: () => (attempts++, Promise.resolve("RETRY")),
    });
    pubsub.subscribe({ topic: "t-dlq", defaultHandler: (e) => (dead.push(e), Promise.resolve("SUCCESS")) });
    await pubsub.publish("t", { type: "X", data: { k: "v" }, id: "evt-1" });
    await pubsub.drain();
    expect(attempts).toBe(fast.maxAttempts);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ id: "evt-1", type: "X", data: { k: "v" }, topic: "t-dlq" });
  });

  it("gives each subscriber its own copy of the event", async () => {
    const pubsub = make();
    const copies: CloudEvent[] = [];
    const handler = (e: CloudEvent) => {
      (e.data as { n: number }).n++;
      copies.push(e);
      return Promise.resolve<DeliveryStatus>("SUCCESS");
    };
    pubsub.subscribe({ topic: "t", defaultHandler: handler });
    pubsub.subscribe({ topic: "t", defaultHandler: handler });
    await pubsub.publish("t", { type: "X", data: { n: 0 } });
    await pubsub.drain();
    expect(copies.map((e) => e.data)).toEqual([{ n: 1 }, { n: 1 }]);
  });

  it("wires Dapr /dapr/subscribe entries to paths", async () => {
    const pubsub = make();
    const paths: string[] = [];
    pubsub.subscribeDapr(
      [
        {
          pubsubname: "pubsub",
          topic: "conversation-events",
          routes: {
            rules: [{ match: 'event.type == "ConversationUpdated"', path: "/events/updated" }],
            default: "/events/other",
          },
        },
        { pubsubname: "other-bus", topic: "conversation-events", route: "/never" },
      ],
      (path) => (paths.push(path), Promise.resolve("SUCCESS")),
    );
    await pubsub.publish("conversation-events", { type: "ConversationUpdated", data: {} });
    await pubsub.publish("conversation-events", { type: "Else", data: {} });
    await pubsub.drain();
    expect(paths.sort()).toEqual(["/events/other", "/events/updated"]);
  });

  it("stamps traceparent/tracestate from the active OpenTelemetry context", async () => {
    propagation.setGlobalPropagator(w3cPropagator);
    context.setGlobalContextManager(testContextManager());
    try {
      const pubsub = make();
      const received: CloudEvent[] = [];
      pubsub.subscribe({ topic: "t", defaultHandler: (e) => (received.push(e), Promise.resolve("SUCCESS")) });
      const span = trace.wrapSpanContext({
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: TraceFlags.SAMPLED,
      });
      await context.with(trace.setSpan(context.active(), span), () =>
        pubsub.publish("t", { type: "X", data: 1 }),
      );
      await pubsub.drain();
      expect(received[0]?.traceparent).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    } finally {
      propagation.disable();
      context.disable();
    }
  });
});

describe("embedded service invocation", () => {
  const invoker = createEmbeddedServiceInvoker({
    memory: (req) => {
      if (req.method === "ok")
        return Promise.resolve({ status: 200, body: { echo: req.body ?? null, verb: req.httpMethod } });
      if (req.method === "conflict") {
        return Promise.resolve({
          status: 409,
          body: { error: { code: "taken", message: "name taken", status: 409 } },
        });
      }
      if (req.method === "plain") return Promise.resolve({ status: 404, body: "no such route" });
      return Promise.resolve({ status: 500, body: { message: "boom" } });
    },
  });

  it("returns the body of a 2xx answer", async () => {
    await expect(invoker.invoke("memory", "/ok", { body: { a: 1 } })).resolves.toEqual({
      echo: { a: 1 },
      verb: "POST",
    });
  });

  it("turns a 4xx answer into a TroupeError carrying the body's error", async () => {
    const error = await invoker.invoke("memory", "conflict").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TroupeError);
    expect(error).toMatchObject({ code: "taken", message: "name taken", status: 409 });
    const plain = await invoker.invoke("memory", "plain").catch((e: unknown) => e);
    expect(plain).toMatchObject({ code: "http_404", message: "no such route", status: 404 });
  });

  it("turns 5xx and unknown apps into ServiceInvocationError", async () => {
    await expect(invoker.invoke("memory", "fail")).rejects.toBeInstanceOf(ServiceInvocationError);
    await expect(invoker.invoke("nobody", "ok")).rejects.toThrow(/no app with id nobody/);
  });

  it("reads secrets from an env-like map", async () => {
    const secrets = createEnvSecretReader({ OPENAI_API_KEY: "sk-test" });
    await expect(secrets.get("OPENAI_API_KEY")).resolves.toBe("sk-test");
    await expect(secrets.get("MISSING")).resolves.toBeUndefined();
  });
});
