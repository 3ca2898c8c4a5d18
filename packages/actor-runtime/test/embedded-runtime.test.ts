/**
 * Embedded-runtime behaviour beyond the shared contract: settings the contract runs with one value of
 * (reentrancy off, stack depth, timeouts), wire-like copying, and shutdown.
 */
import { ActorCallError, actorType, type Json } from "@troupe/actor-interfaces";
import { afterEach, describe, expect, it } from "vitest";
import {
  defaultRuntimeSettings,
  registration,
  type ActorLogger,
  type ActorRuntimeSettings,
} from "../src/api.ts";
import { createEmbeddedPlatform } from "../src/embedded/platform.ts";
import { createEmbeddedServiceInvoker } from "../src/embedded/services.ts";
import {
  createEmbeddedRuntime,
  type AnyActorRegistration,
  type EmbeddedRuntime,
} from "../src/embedded/runtime.ts";
import { ContractLog, ContractReentrantA, contractRegistrations, sleep } from "./contract/index.ts";

interface ProbeApi {
  Echo(input: { value?: Json; mutate?: boolean }): Promise<{ value: Json | null; stored: Json | null }>;
  Block(input: { ms: number }): Promise<{ runs: number }>;
  FlushThenThrow(input: Record<string, never>): Promise<object>;
  Recurse(input: { left: number }): Promise<{ depth: number }>;
  ScheduleFailing(input: { kind: "timer" | "reminder" }): Promise<object>;
  Count(input: { key: string }): Promise<{ n: number }>;
}
const Probe = actorType<ProbeApi>()("Probe", {
  Echo: true,
  Block: true,
  FlushThenThrow: true,
  Recurse: true,
  ScheduleFailing: true,
  Count: true,
});

function recordingLogger() {
  const entries: { level: string; obj: object; msg: string | undefined }[] = [];
  const log: ActorLogger = {
    info: (obj, msg) => entries.push({ level: "info", obj, msg }),
    warn: (obj, msg) => entries.push({ level: "warn", obj, msg }),
    error: (obj, msg) => entries.push({ level: "error", obj, msg }),
  };
  return { log, entries };
}

const lifecycleLog: string[] = [];
let activationFailures = 0;

const probe = registration(Probe, (ctx) => {
  let runs = 0;
  const bump = async (key: string) => ctx.state.set(key, ((await ctx.state.get<number>(key)) ?? 0) + 1);
  return {
    onActivate() {
      if (activationFailures > 0) {
        activationFailures--;
        return Promise.reject(new Error("activation failed on purpose"));
      }
      lifecycleLog.push(`activate:${ctx.id}`);
      return Promise.resolve();
    },
    onDeactivate() {
      lifecycleLog.push(`deactivate:${ctx.id}`);
      return Promise.resolve();
    },
    async Echo({ value, mutate }) {
      const stored = (await ctx.state.get<Json>("stored")) ?? null;
      if (value !== undefined) ctx.state.set("stored", value);
      if (mutate && value && typeof value === "object" && !Array.isArray(value)) value.touched = true;
      return { value: value ?? null, stored };
    },
    async Block({ ms }) {
      runs++;
      await sleep(ms);
      return { runs };
    },
    async FlushThenThrow() {
      ctx.state.set("flushed", 1);
      await ctx.state.flush();
      ctx.state.set("unflushed", 1);
      throw new Error("after flush");
    },
    async Recurse({ left }) {
      if (left === 0) return { depth: 0 };
      const { depth } = await ctx.actors.actor(Probe, ctx.id).Recurse({ left: left - 1 });
      return { depth: depth + 1 };
    },
    async ScheduleFailing({ kind }) {
      const scheduler = kind === "timer" ? ctx.timers : ctx.reminders;
      await scheduler.set("failing", { dueTime: "20ms", period: "40ms" });
      return {};
    },
    async Count({ key }) {
      return { n: (await ctx.state.get<number>(key)) ?? 0 };
    },
    async onTimer() {
      await bump("timerFires");
      throw new Error("timer callback failed on purpose");
    },
    async onReminder() {
      await bump("reminderFires");
      throw new Error("reminder callback failed on purpose");
    },
  };
});

interface CallerApi {
  ViaService(input: Record<string, never>): Promise<{ answer: Json }>;
  Ping(input: Record<string, never>): Promise<{ ok: boolean }>;
}
const Caller = actorType<CallerApi>()("Caller", { ViaService: true, Ping: true });
let loopRuntime: EmbeddedRuntime | undefined;
const loopServices = createEmbeddedServiceInvoker({
  // A service that calls back the actor that invoked it, like chat-service -> actor -> chat-service -> actor.
  loop: async () => {
    if (!loopRuntime) throw new Error("no runtime");
    const answer = await loopRuntime.actors
      .actor(Caller, "c")
      .Ping({}, { timeoutMs: 200 })
      .catch((e: unknown) => ({ error: (e as Error).message }));
    return { status: 200, body: answer };
  },
});
const caller = registration(Caller, () => ({
  async ViaService() {
    return { answer: await loopServices.invoke("loop", "check") };
  },
  Ping() {
    return Promise.resolve({ ok: true });
  },
}));

describe("embedded runtime", () => {
  let runtime: EmbeddedRuntime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });
  const start = async (
    settings: Partial<ActorRuntimeSettings> = {},
    registrations: AnyActorRegistration[] = [probe, ...contractRegistrations(new ContractLog())],
    log: ActorLogger = recordingLogger().log,
  ) => (runtime = await createEmbeddedRuntime({ registrations, settings, log }));

  it("blocks A -> B -> A until the call timeout when reentrancy is disabled (as Dapr does)", async () => {
    const rt = await start({ reentrancy: { enabled: false, maxStackDepth: 32 }, callTimeoutMs: 300 });
    const error = await rt.actors
      .actor(ContractReentrantA, "a1")
      .Start({ bId: "b1" }, { timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorCallError);
    expect((error as Error).message).toMatch(/\(504\): no answer within 300ms/);
    await expect(rt.actors.actor(ContractReentrantA, "a1").Echo({})).resolves.toEqual({ path: ["A:Echo"] });
  });

  it("limits reentrant re-entries of one actor to maxStackDepth", async () => {
    const rt = await start({ reentrancy: { enabled: true, maxStackDepth: 3 } });
    await expect(rt.actors.actor(Probe, "r").Recurse({ left: 2 })).resolves.toEqual({ depth: 2 });
    const error = await rt.actors
      .actor(Probe, "r")
      .Recurse({ left: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorCallError);
    expect((error as Error).message).toMatch(/maximum reentrancy stack depth \(3\) exceeded/);
  });

  it("does not carry the call chain through service invocation (a loop back blocks, as on Dapr)", async () => {
    loopRuntime = await start({}, [caller]);
    const { answer } = await loopRuntime.actors.actor(Caller, "c").ViaService({});
    expect(answer).toMatchObject({
      error: expect.stringMatching(/Caller\/c\.Ping failed \(504\)/) as unknown,
    });
  });

  it("rejects an unknown actor type with 404", async () => {
    const rt = await start();
    const Unknown = actorType<{ Do(input: object): Promise<object> }>()("NotRegistered", { Do: true });
    const error = await rt.actors
      .actor(Unknown, "x")
      .Do({})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 404,
      code: "actor_type_not_found",
      actorType: "NotRegistered",
      actorId: "x",
    });
  });

  it("returns a plain, never-thenable proxy with exactly the type's methods", async () => {
    const rt = await start();
    const proxy = rt.actors.actor(Probe, "p");
    expect(Object.keys(proxy).sort()).toEqual([...Probe.methods].sort());
    expect("then" in proxy).toBe(false);
    const awaited = await Promise.resolve(proxy);
    expect(awaited).toBe(proxy);
  });

  it("copies values across the boundary like the wire", async () => {
    const rt = await start();
    const input = { when: new Date(0) as unknown as Json, list: [1] };
    const first = await rt.actors.actor(Probe, "copy").Echo({ value: input, mutate: true });
    expect(input).not.toHaveProperty("touched");
    expect(first.value).toEqual({ when: "1970-01-01T00:00:00.000Z", list: [1], touched: true });
    (first.value as { list: number[] }).list.push(2);
    const second = await rt.actors.actor(Probe, "copy").Echo({});
    expect(second.stored).toEqual({ when: "1970-01-01T00:00:00.000Z", list: [1] });
  });

  it("keeps what flush() committed when the call throws afterwards", async () => {
    const rt = await start();
    await expect(rt.actors.actor(Probe, "f").FlushThenThrow({})).rejects.toBeInstanceOf(ActorCallError);
    await expect(rt.actors.actor(Probe, "f").Count({ key: "flushed" })).resolves.toEqual({ n: 1 });
    await expect(rt.actors.actor(Probe, "f").Count({ key: "unflushed" })).resolves.toEqual({ n: 0 });
  });

  it("drops a queued call whose timeout passed before its turn came", async () => {
    const rt = await start();
    const actor = rt.actors.actor(Probe, "slow");
    const first = actor.Block({ ms: 300 });
    const late = await actor.Block({ ms: 0 }, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(late).toMatchObject({ status: 504, code: "actor_call_timeout", method: "Block" });
    await expect(first).resolves.toEqual({ runs: 1 });
    await expect(actor.Block({ ms: 0 })).resolves.toEqual({ runs: 2 });
  });

  it("honours an abort signal", async () => {
    const rt = await start();
    const abort = new AbortController();
    const call = rt.actors.actor(Probe, "abort").Block({ ms: 200 }, { signal: abort.signal });
    abort.abort(new Error("caller went away"));
    await expect(call).rejects.toThrow(/caller went away/);
  });

  it("logs failing timer and reminder callbacks, keeps firing and commits their state", async () => {
    const { log, entries } = recordingLogger();
    const rt = await start({}, [probe], log);
    await rt.actors.actor(Probe, "cb").ScheduleFailing({ kind: "timer" });
    await rt.actors.actor(Probe, "cb").ScheduleFailing({ kind: "reminder" });
    const deadline = Date.now() + 10_000;
    while (entries.filter((e) => /callback failed/.test(e.msg ?? "")).length < 6 && Date.now() < deadline)
      await sleep(20);
    expect(entries.filter((e) => e.msg === "timer callback failed").length).toBeGreaterThanOrEqual(3);
    expect(entries.filter((e) => e.msg === "reminder callback failed").length).toBeGreaterThanOrEqual(3);
    // Failed callbacks are failed turns: their state changes are discarded.
    await expect(rt.actors.actor(Probe, "cb").Count({ key: "timerFires" })).resolves.toEqual({ n: 0 });
  });

  it("never deactivates an actor in the middle of a call; deactivates it once idle", async () => {
    const quick = registration(Probe, probe.create, { idleTimeout: "100ms" });
    const rt = await start({}, [quick]);
    lifecycleLog.length = 0;
    await rt.actors.actor(Probe, "busy").Block({ ms: 400 });
    expect(lifecycleLog).toEqual(["activate:busy"]);
    const deadline = Date.now() + 10_000;
    while (rt.isActive("Probe", "busy") && Date.now() < deadline) await sleep(20);
    expect(lifecycleLog).toEqual(["activate:busy", "deactivate:busy"]);
  });

  it("retries activation after onActivate failed", async () => {
    const rt = await start();
    activationFailures = 1;
    await expect(rt.actors.actor(Probe, "act").Count({ key: "x" })).rejects.toThrow(
      /activation failed on purpose/,
    );
    expect(rt.isActive("Probe", "act")).toBe(false);
    await expect(rt.actors.actor(Probe, "act").Count({ key: "x" })).resolves.toEqual({ n: 0 });
    expect(rt.isActive("Probe", "act")).toBe(true);
  });

  it("deactivates every actor on stop and rejects later calls", async () => {
    const rt = await start();
    lifecycleLog.length = 0;
    await Promise.all(["s1", "s2", "s3"].map((id) => rt.actors.actor(Probe, id).Count({ key: "x" })));
    expect(rt.activeCount()).toBe(3);
    await rt.stop();
    expect(lifecycleLog.filter((e) => e.startsWith("deactivate:")).sort()).toEqual([
      "deactivate:s1",
      "deactivate:s2",
      "deactivate:s3",
    ]);
    expect(rt.activeCount()).toBe(0);
    await expect(rt.actors.actor(Probe, "s1").Count({ key: "x" })).rejects.toMatchObject({ status: 503 });
  });

  it("bundles actors, events, services and secrets as a Platform", async () => {
    const platform = await createEmbeddedPlatform({
      registrations: [probe],
      settings: defaultRuntimeSettings,
      secrets: { KEY: "v" },
      services: new Map([["app", () => Promise.resolve({ status: 200, body: { ok: true } })]]),
    });
    try {
      await expect(platform.actors.actor(Probe, "pl").Count({ key: "x" })).resolves.toEqual({ n: 0 });
      await expect(platform.services.invoke("app", "x")).resolves.toEqual({ ok: true });
      await expect(platform.secrets.get("KEY")).resolves.toBe("v");
      await expect(platform.events.publish("t", { type: "T", data: 1 })).resolves.toBeUndefined();
    } finally {
      await platform.stop();
    }
  });
});
