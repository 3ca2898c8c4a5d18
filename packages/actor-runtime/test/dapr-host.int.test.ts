/**
 * Dapr-specific behaviour of the fastify actor host and the platform bundle against a real daprd (the shared
 * behaviour is in dapr.contract.int.test.ts): what daprd does with our error encoding, the reentrancy id
 * and trace context along A → B → A, schedule data, unknown types, and pub/sub, invocation and secrets.
 */
import { ActorCallError, TroupeError, actorType, type Json } from "@troupe/actor-interfaces";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRuntimeSettings, registration, type Platform } from "../src/api.ts";
import {
  currentInboundContext,
  runWithInboundContext,
  type InboundContext,
} from "../src/dapr/inbound-context.ts";
import { createDaprPlatform } from "../src/dapr/platform.ts";
import { createDaprHarness } from "./dapr-harness.ts";
import { sleep } from "./contract/log.ts";

interface ProbeApi {
  Start(input: { peer: string }): Promise<{ contexts: InboundContext[] }>;
  Echo(input: object): Promise<{ contexts: InboundContext[] }>;
  Fail(input: { status: number }): Promise<object>;
  Remind(input: { name: string; data: Json }): Promise<object>;
  Tick(input: { name: string }): Promise<object>;
  Untick(input: { name: string }): Promise<object>;
}
const Probe = actorType<ProbeApi>()("DaprProbe", {
  Start: true,
  Echo: true,
  Fail: true,
  Remind: true,
  Tick: true,
  Untick: true,
});

interface PeerApi {
  Bounce(input: { back: string }): Promise<{ contexts: InboundContext[] }>;
}
const Peer = actorType<PeerApi>()("DaprPeer", { Bounce: true });

const NotHosted = actorType<{ Anything(input: object): Promise<object> }>()("DaprNotHosted", {
  Anything: true,
});

const reminded = new Map<string, Json | undefined>();
const ticks = new Map<string, number>();
const here = (): InboundContext => ({ ...currentInboundContext() });

const registrations = [
  registration(Probe, (ctx) => ({
    async Start({ peer }) {
      const { contexts } = await ctx.actors.actor(Peer, peer).Bounce({ back: ctx.id });
      return { contexts: [here(), ...contexts] };
    },
    Echo() {
      return Promise.resolve({ contexts: [here()] });
    },
    Fail({ status }) {
      return Promise.reject(new TroupeError("probe_failed", `failed with ${status} on purpose`, status));
    },
    async Remind({ name, data }) {
      await ctx.reminders.set(name, { dueTime: "200ms", data });
      return {};
    },
    async Tick({ name }) {
      await ctx.timers.set(name, { dueTime: "100ms", period: "200ms" });
      return {};
    },
    async Untick({ name }) {
      await ctx.timers.delete(name);
      return {};
    },
    onTimer(name) {
      ticks.set(name, (ticks.get(name) ?? 0) + 1);
      return Promise.resolve();
    },
    onReminder(name, data) {
      reminded.set(name, data);
      return Promise.resolve();
    },
  })),
  registration(Peer, (ctx) => ({
    async Bounce({ back }) {
      const { contexts } = await ctx.actors.actor(Probe, back).Echo({});
      return { contexts: [here(), ...contexts] };
    },
  })),
];

const harness = createDaprHarness({
  appId: "dapr-probe",
  secrets: { TROUPE_PROBE_SECRET: "s3cret" },
  configure: (app) => {
    app.get("/hello", () => Promise.resolve({ hello: "world" }));
    app.post("/reject", (_req, reply) =>
      reply.code(422).send({ error: { code: "invalid_request", message: "name is required" } }),
    );
  },
});
let platform: Platform;

beforeAll(async () => {
  await harness.start(registrations, { ...defaultRuntimeSettings, callTimeoutMs: 20_000 });
  platform = createDaprPlatform({
    daprHttpPort: harness.httpPort(),
    pubsubName: "pubsub",
    secretStoreName: "secretstore",
    source: "dapr-probe",
  });
}, 300_000);

afterAll(async () => {
  await harness.stop();
}, 120_000);

const url = (path: string) => `http://127.0.0.1:${harness.httpPort()}${path}`;

describe("fastify actor host on daprd", () => {
  it("daprd hands X-DaprErrorResponseHeader and our error body back to the caller; the proxy rethrows typed", async () => {
    const res = await fetch(url("/v1.0/actors/DaprProbe/p1/method/Fail"), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: 409 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-daprerrorresponseheader")).toBe("true");
    expect(await res.json()).toEqual({
      error: { code: "probe_failed", message: "failed with 409 on purpose", status: 409 },
    });

    const err = await harness
      .client()
      .actor(Probe, "p1")
      .Fail({ status: 422 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect(err).toMatchObject({ code: "probe_failed", status: 422 });
  });

  it("carries one reentrancy id and one trace along A → B → A", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const inbound = { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: "troupe=1" };
    const { contexts } = await runWithInboundContext(inbound, () =>
      harness.client().actor(Probe, "a1").Start({ peer: "b1" }),
    );
    expect(contexts).toHaveLength(3);
    const [first] = contexts;
    expect(first?.reentrancyId).toMatch(/.+/);
    for (const c of contexts) {
      expect(c.reentrancyId).toBe(first?.reentrancyId);
      expect(c.traceparent?.split("-")[1]).toBe(traceId);
    }
  });

  it("delivers reminder data as the JSON registered (a base64-looking string stays a string)", async () => {
    const probe = harness.client().actor(Probe, "r1");
    await probe.Remind({ name: "str", data: "MTIz" });
    await probe.Remind({ name: "obj", data: { a: [1, "x"], b: null } });
    const deadline = Date.now() + 20_000;
    while ((!reminded.has("str") || !reminded.has("obj")) && Date.now() < deadline) await sleep(50);
    expect(reminded.get("str")).toBe("MTIz");
    expect(reminded.get("obj")).toEqual({ a: [1, "x"], b: null });
  });

  it("keeps firing a timer across a host restart (daprd owns timers; differs from embedded)", async () => {
    const probe = harness.client().actor(Probe, "t1");
    await probe.Tick({ name: "beat" });
    const waitTicks = async (n: number) => {
      const deadline = Date.now() + 20_000;
      while ((ticks.get("beat") ?? 0) < n && Date.now() < deadline) await sleep(50);
      return ticks.get("beat") ?? 0;
    };
    expect(await waitTicks(2)).toBeGreaterThanOrEqual(2);
    await harness.restartHost();
    const afterRestart = ticks.get("beat") ?? 0;
    expect(await waitTicks(afterRestart + 2)).toBeGreaterThanOrEqual(afterRestart + 2);
    await probe.Untick({ name: "beat" });
  });

  it("rejects a call to an actor type nobody hosts with a 404 ActorCallError naming it", async () => {
    const err = await harness
      .client()
      .actor(NotHosted, "x")
      .Anything({}, { timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActorCallError);
    expect(err).toMatchObject({ actorType: "DaprNotHosted", actorId: "x", method: "Anything" });
    expect(err).toMatchObject({ status: 404, code: "actor_type_not_hosted" });
    expect((err as Error).message).toContain("no host serves actor type DaprNotHosted");
  });
});

describe("createDaprPlatform on daprd", () => {
  it("invokes a service and turns its error answer into a TroupeError", async () => {
    await expect(platform.services.invoke("dapr-probe", "hello")).resolves.toEqual({ hello: "world" });
    const err = await platform.services.invoke("dapr-probe", "reject", { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect(err).toMatchObject({ code: "invalid_request", message: "name is required", status: 422 });
  });

  it("publishes CloudEvents, and rejects when the pub/sub does not exist", async () => {
    await expect(
      platform.events.publish("probe-topic", { type: "ProbeHappened", data: { n: 1 } }),
    ).resolves.toBeUndefined();
    const broken = createDaprPlatform({
      daprHttpPort: harness.httpPort(),
      pubsubName: "no-such-pubsub",
      secretStoreName: "secretstore",
    });
    await expect(broken.events.publish("probe-topic", { type: "X", data: null })).rejects.toThrow(
      /no-such-pubsub/,
    );
  });

  it("reads a secret (undefined when missing)", async () => {
    await expect(platform.secrets.get("TROUPE_PROBE_SECRET")).resolves.toBe("s3cret");
    await expect(platform.secrets.get("TROUPE_PROBE_MISSING")).resolves.toBeUndefined();
  });
});
