import Fastify from "fastify";
import { ActorCallError, TroupeError, actorType } from "@troupe/actor-interfaces";
import { context, propagation, type TextMapPropagator } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { createDaprActorClient } from "../src/dapr/actor-client.ts";
import { outgoingHeaders, runWithInboundContext } from "../src/dapr/inbound-context.ts";
import { addCloudEventsParser } from "../src/dapr/cloudevents.ts";
import { createDaprPlatform } from "../src/dapr/platform.ts";
import type { SidecarResponse } from "../src/dapr/sidecar-client.ts";
import { FakeSidecar } from "./dapr-fake-sidecar.ts";

interface EchoApi {
  Say(input: { text: string }): Promise<{ said: string }>;
  Ping(input: { n?: number }): Promise<number>;
}
const Echo = actorType<EchoApi>()("Echo", { Say: true, Ping: true });

const json = (status: number, body: unknown, headers: Record<string, string> = {}): SidecarResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

describe("typed actor proxy over the sidecar", () => {
  it("is a plain object with exactly the type's methods and is not thenable", async () => {
    const sidecar = new FakeSidecar();
    const proxy = createDaprActorClient(sidecar).actor(Echo, "e1");
    expect(Object.keys(proxy).sort()).toEqual(["Ping", "Say"]);
    expect("then" in proxy).toBe(false);
    expect(Object.isFrozen(proxy)).toBe(true);
    // Awaiting the proxy (or returning it from an async function) resolves to the proxy itself at once.
    const awaited = await Promise.resolve(proxy);
    expect(awaited).toBe(proxy);
    expect(sidecar.actorCalls).toEqual([]);
    // A name outside the method set is not callable (and is a type error, see dapr-types.test.ts).
    expect((proxy as unknown as Record<string, unknown>).Shout).toBeUndefined();
    expect(() => (proxy as unknown as { Shout: () => void }).Shout()).toThrow(TypeError);
  });

  it("rejects an actor type declaring a method named then, and an empty id", () => {
    const Weird = actorType<{ then(i: object): Promise<object> }>()("Weird", { then: true });
    const client = createDaprActorClient(new FakeSidecar());
    expect(() => client.actor(Weird, "w")).toThrow(/then/);
    expect(() => client.actor(Echo, "")).toThrow(/non-empty/);
  });

  it("PUTs the JSON input to the type/id/method and returns the JSON answer", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerActor = (c) =>
      Promise.resolve(json(200, { said: (JSON.parse(c.body) as { text: string }).text }));
    const echo = createDaprActorClient(sidecar).actor(Echo, "e1");
    await expect(echo.Say({ text: "hi" })).resolves.toEqual({ said: "hi" });
    expect(sidecar.actorCalls[0]).toMatchObject({
      type: "Echo",
      id: "e1",
      method: "Say",
      body: '{"text":"hi"}',
    });
    sidecar.answerActor = () => Promise.resolve({ status: 200, headers: {}, body: "" });
    await expect(echo.Ping()).resolves.toBeUndefined();
    expect(sidecar.actorCalls[1]?.body).toBe("{}");
  });

  it("rethrows an actor's TroupeError (200 + X-DaprErrorResponseHeader) typed", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerActor = () =>
      Promise.resolve(
        json(
          200,
          { error: { code: "too_long", message: "text too long", status: 422 } },
          { "x-daprerrorresponseheader": "true" },
        ),
      );
    const err = await createDaprActorClient(sidecar)
      .actor(Echo, "e1")
      .Say({ text: "x" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect(err).toMatchObject({ code: "too_long", message: "text too long", status: 422 });
  });

  it("maps daprd's 'actor method not found' to ActorCallError 404 naming type, id and method", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerActor = () =>
      Promise.resolve(
        json(500, {
          errorCode: "ERR_ACTOR_INVOKE_METHOD",
          message: "error invoke actor method: actor method not found: Say",
        }),
      );
    const err = await createDaprActorClient(sidecar)
      .actor(Echo, "e1")
      .Say({ text: "x" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActorCallError);
    expect(err).toMatchObject({
      actorType: "Echo",
      actorId: "e1",
      method: "Say",
      status: 404,
      code: "actor_method_not_found",
    });
    expect((err as Error).message).toMatch(/Echo\/e1\.Say failed \(404\)/);
  });

  it("maps daprd's 'did not find address for actor' (type hosted nowhere) to 404", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerActor = () =>
      Promise.resolve(
        json(500, {
          errorCode: "ERR_ACTOR_INVOKE_METHOD",
          message:
            "error invoke actor method: failed to lookup actor: api error: code = FailedPrecondition desc = did not find address for actor 'Echo/e1'",
        }),
      );
    await expect(createDaprActorClient(sidecar).actor(Echo, "e1").Say({ text: "x" })).rejects.toMatchObject({
      name: "ActorCallError",
      status: 404,
      code: "actor_type_not_hosted",
      message: expect.stringContaining("no host serves actor type Echo") as string,
    });
  });

  it("keeps a host's own 404 body status and reports other failures with daprd's status", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerActor = () =>
      Promise.resolve(
        json(404, {
          error: { code: "actor_type_not_found", message: "actor type Echo is not hosted here", status: 404 },
        }),
      );
    await expect(createDaprActorClient(sidecar).actor(Echo, "e1").Say({ text: "x" })).rejects.toMatchObject({
      status: 404,
      code: "actor_type_not_found",
    });
    sidecar.answerActor = () =>
      Promise.resolve(
        json(500, { errorCode: "ERR_ACTOR_INVOKE_METHOD", message: "error from actor service: (500) boom" }),
      );
    const err = await createDaprActorClient(sidecar)
      .actor(Echo, "e2")
      .Say({ text: "x" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActorCallError);
    expect(err).toMatchObject({
      actorType: "Echo",
      actorId: "e2",
      method: "Say",
      status: 500,
      code: "ERR_ACTOR_INVOKE_METHOD",
    });
    expect((err as Error).message).toContain("boom");
  });

  const hang = (_c: unknown, signal?: AbortSignal) =>
    new Promise<SidecarResponse>((_resolve, reject) => {
      signal?.addEventListener("abort", () => reject(signal.reason as Error));
    });

  it("times out with settings.callTimeoutMs or CallOptions.timeoutMs (504)", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerActor = hang;
    const client = createDaprActorClient(sidecar, { callTimeoutMs: 50 });
    await expect(client.actor(Echo, "e1").Say({ text: "x" })).rejects.toMatchObject({
      name: "ActorCallError",
      status: 504,
      code: "actor_call_timeout",
      message: expect.stringContaining("50 ms") as string,
    });
    await expect(client.actor(Echo, "e1").Say({ text: "x" }, { timeoutMs: 20 })).rejects.toMatchObject({
      status: 504,
      message: expect.stringContaining("20 ms") as string,
    });
  });

  it("honours a caller's AbortSignal (499)", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerActor = hang;
    const controller = new AbortController();
    const pending = createDaprActorClient(sidecar)
      .actor(Echo, "e1")
      .Say({ text: "x" }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ status: 499, code: "actor_call_aborted" });
  });

  it("reports an unreachable sidecar as 503", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerActor = () => Promise.reject(new TypeError("fetch failed"));
    await expect(createDaprActorClient(sidecar).actor(Echo, "e1").Say({ text: "x" })).rejects.toMatchObject({
      status: 503,
      code: "sidecar_unreachable",
    });
  });
});

describe("outgoing call context", () => {
  afterEach(() => propagation.disable());

  it("forwards the inbound reentrancy id and trace context, and nothing outside a call", () => {
    expect(outgoingHeaders()).toEqual({});
    const headers = runWithInboundContext(
      { reentrancyId: "r1", traceparent: "00-a-b-01", tracestate: "k=v" },
      () => outgoingHeaders(),
    );
    expect(headers).toEqual({ "dapr-reentrancy-id": "r1", traceparent: "00-a-b-01", tracestate: "k=v" });
    expect(
      runWithInboundContext({ reentrancyId: "r1" }, () => outgoingHeaders({ reentrancy: false })),
    ).toEqual({});
  });

  it("lets the active OpenTelemetry context inject its own traceparent", () => {
    const fixed: TextMapPropagator = {
      inject: (_ctx, carrier, setter) => setter.set(carrier, "traceparent", "00-otel-span-01"),
      extract: (ctx) => ctx,
      fields: () => ["traceparent"],
    };
    propagation.setGlobalPropagator(fixed);
    const headers = runWithInboundContext(
      { reentrancyId: "r1", traceparent: "00-in-x-01", tracestate: "old=1" },
      () => context.with(context.active(), () => outgoingHeaders()),
    );
    expect(headers).toEqual({ "dapr-reentrancy-id": "r1", traceparent: "00-otel-span-01" });
  });
});

describe("createDaprPlatform", () => {
  const platform = (sidecar: FakeSidecar) =>
    createDaprPlatform({ pubsubName: "pubsub", secretStoreName: "secrets", source: "chat-service", sidecar });

  it("publishes a CloudEvent with our id/type/source/data and the trace context", async () => {
    const sidecar = new FakeSidecar();
    await runWithInboundContext({ traceparent: "00-t-s-01", reentrancyId: "r" }, () =>
      platform(sidecar).events.publish("conversation-events", {
        type: "ConversationUpdated",
        id: "ev-1",
        data: { n: 1 },
      }),
    );
    const [sent] = sidecar.published;
    expect(sent).toMatchObject({
      pubsub: "pubsub",
      topic: "conversation-events",
      contentType: "application/cloudevents+json",
    });
    expect(sent?.headers).toEqual({ traceparent: "00-t-s-01" });
    expect(JSON.parse(sent?.body ?? "")).toMatchObject({
      specversion: "1.0",
      id: "ev-1",
      source: "chat-service",
      type: "ConversationUpdated",
      datacontenttype: "application/json",
      data: { n: 1 },
      traceparent: "00-t-s-01",
    });
  });

  it("rejects when publishing fails", async () => {
    const sidecar = new FakeSidecar();
    sidecar.failPublish = true;
    await expect(platform(sidecar).events.publish("t", { type: "X", data: null })).rejects.toThrow(
      /publish failed/,
    );
  });

  it("invokes services and turns a non-2xx into a TroupeError with the callee's message and status", async () => {
    const sidecar = new FakeSidecar();
    sidecar.answerService = (path) =>
      path === "ok"
        ? json(200, { fine: true })
        : json(422, { error: { code: "invalid_request", message: "name is required" } });
    const services = platform(sidecar).services;
    await expect(services.invoke("tool-service", "ok", { body: { a: 1 } })).resolves.toEqual({ fine: true });
    expect(sidecar.invocations[0]).toMatchObject({
      appId: "tool-service",
      path: "ok",
      method: "POST",
      body: '{"a":1}',
    });
    const err = await services.invoke("tool-service", "bad").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect(err).toMatchObject({ code: "invalid_request", message: "name is required", status: 422 });
    expect(sidecar.invocations[1]?.method).toBe("GET");
  });

  it("reads secrets by name (undefined when missing)", async () => {
    const sidecar = new FakeSidecar();
    sidecar.secrets["secrets/OPENAI_API_KEY"] = { OPENAI_API_KEY: "sk-test" };
    const secrets = platform(sidecar).secrets;
    await expect(secrets.get("OPENAI_API_KEY")).resolves.toBe("sk-test");
    await expect(secrets.get("NOPE")).resolves.toBeUndefined();
    // A Kubernetes Secret groups several keys: pick one explicitly.
    sidecar.secrets["secrets/troupe-secrets"] = { OTHER: "x", OPENAI_API_KEY: "sk-k8s" };
    await expect(secrets.get("troupe-secrets", "OPENAI_API_KEY")).resolves.toBe("sk-k8s");
    await expect(secrets.get("troupe-secrets", "MISSING")).resolves.toBeUndefined();
  });
});

describe("cloudevents+json parser", () => {
  it("parses application/cloudevents+json bodies on subscription routes", async () => {
    const app = Fastify();
    addCloudEventsParser(app);
    app.post("/events", (req, reply) => reply.send({ got: req.body }));
    const ok = await app.inject({
      method: "POST",
      url: "/events",
      headers: { "content-type": "application/cloudevents+json" },
      payload: JSON.stringify({ id: "1", type: "T", data: { a: 1 } }),
    });
    expect(ok.json()).toEqual({ got: { id: "1", type: "T", data: { a: 1 } } });
    const bad = await app.inject({
      method: "POST",
      url: "/events",
      headers: { "content-type": "application/cloudevents+json" },
      payload: "{",
    });
    expect(bad.statusCode).toBe(400);
    await app.close();
  });
});
