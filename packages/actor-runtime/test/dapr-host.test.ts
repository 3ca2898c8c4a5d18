import Fastify, { type FastifyInstance } from "fastify";
import { TroupeError, actorType, type Json } from "@troupe/actor-interfaces";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CANCEL_SCHEDULE, registration } from "../src/api.ts";
import { daprActorHost, type DaprActorHost } from "../src/dapr/host.ts";
import { FakeSidecar } from "./dapr-fake-sidecar.ts";

interface NoteApi {
  Put(input: { key: string; value: Json }): Promise<{ ok: true }>;
  Read(input: { key: string }): Promise<{ value: Json | null }>;
  PutThenThrow(input: { key: string; value: Json; expected?: boolean }): Promise<object>;
  MutateReadThenThrow(input: { key: string }): Promise<object>;
  FlushThenThrow(input: { first: string; second: string }): Promise<object>;
  Nothing(input: object): Promise<void>;
  Schedule(input: { timer: string; reminder: string }): Promise<object>;
}
const Note = actorType<NoteApi>()("Note", {
  Put: true,
  Read: true,
  PutThenThrow: true,
  MutateReadThenThrow: true,
  FlushThenThrow: true,
  Nothing: true,
  Schedule: true,
});

interface RelayApi {
  /** Calls Relay(`next`) if given, else reads Note(id) — to observe outgoing headers. */
  Hop(input: { next?: string; back?: string }): Promise<{ path: string[] }>;
}
const Relay = actorType<RelayApi>()("Relay", { Hop: true });

const events: string[] = [];

function registrations() {
  const note = registration(
    Note,
    (ctx) => ({
      onActivate() {
        events.push(`activate:${ctx.id}`);
        return Promise.resolve();
      },
      onDeactivate() {
        events.push(`deactivate:${ctx.id}`);
        ctx.state.set("deactivated", true);
        return Promise.resolve();
      },
      Put({ key, value }) {
        ctx.state.set(key, value);
        return Promise.resolve({ ok: true as const });
      },
      async Read({ key }) {
        return { value: (await ctx.state.get(key)) ?? null };
      },
      PutThenThrow({ key, value, expected }) {
        ctx.state.set(key, value);
        if (expected) throw new TroupeError("note_rejected", `rejected ${key}`, 409);
        throw new Error("boom");
      },
      async MutateReadThenThrow({ key }) {
        const v = await ctx.state.get<{ items: string[] }>(key);
        v?.items.push("dirty");
        throw new Error("after mutating a read value");
      },
      async FlushThenThrow({ first, second }) {
        ctx.state.set(first, 1);
        await ctx.state.flush();
        ctx.state.set(second, 2);
        throw new Error("after flush");
      },
      Nothing() {
        return Promise.resolve();
      },
      async Schedule({ timer, reminder }) {
        await ctx.timers.set(timer, { dueTime: 1500, period: "2s", data: { n: 1 } });
        await ctx.reminders.set(reminder, { dueTime: "1m30s", data: "r" });
        return {};
      },
      onTimer(name, data) {
        events.push(`timer:${name}:${JSON.stringify(data)}`);
        if (name === "explode") throw new Error("timer exploded");
        return Promise.resolve(name === "last" ? CANCEL_SCHEDULE : undefined);
      },
      onReminder(name, data) {
        events.push(`reminder:${name}:${JSON.stringify(data)}`);
        if (name === "explode") return Promise.reject(new Error("reminder exploded"));
        return Promise.resolve(name === "last" ? CANCEL_SCHEDULE : undefined);
      },
    }),
    { idleTimeout: "90s" },
  );
  const relay = registration(Relay, (ctx) => ({
    async Hop({ next, back }) {
      if (next) {
        const { path } = await ctx.actors.actor(Relay, next).Hop({ back: ctx.id });
        return { path: [`${ctx.id}`, ...path] };
      }
      if (back) {
        const { path } = await ctx.actors.actor(Relay, back).Hop({});
        return { path: [`${ctx.id}`, ...path] };
      }
      return { path: [ctx.id] };
    },
  }));
  return [note, relay];
}

describe("daprActorHost routes", () => {
  let app: FastifyInstance;
  let sidecar: FakeSidecar;
  let host: DaprActorHost;

  beforeEach(async () => {
    events.length = 0;
    sidecar = new FakeSidecar();
    app = Fastify({ logger: false });
    const plugin = daprActorHost({
      registrations: registrations(),
      sidecar,
      settings: {
        idleTimeout: "30m",
        drainOngoingCallTimeout: "10s",
        reentrancy: { enabled: true, maxStackDepth: 8 },
      },
    });
    host = plugin.host;
    await app.register(plugin);
    sidecar.app = app;
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  const call = (
    type: string,
    id: string,
    method: string,
    body: unknown = {},
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method: "PUT",
      url: `/actors/${type}/${id}/method/${method}`,
      headers: { "content-type": "application/json", ...headers },
      payload: JSON.stringify(body),
    });

  it("serves /dapr/config with entities, timeouts, reentrancy and per-type overrides", async () => {
    const res = await app.inject({ method: "GET", url: "/dapr/config" });
    expect(res.statusCode).toBe(200);
    const reentrancy = { enabled: true, maxStackDepth: 8 };
    expect(res.json()).toEqual({
      entities: ["Note", "Relay"],
      actorIdleTimeout: "1800s",
      drainOngoingCallTimeout: "10s",
      drainRebalancedActors: true,
      reentrancy,
      entitiesConfig: [
        {
          entities: ["Note"],
          actorIdleTimeout: "90s",
          drainOngoingCallTimeout: "10s",
          drainRebalancedActors: true,
          reentrancy,
        },
      ],
    });
  });

  it("answers 404 naming an unknown actor type", async () => {
    const res = await call("Ghost", "g1", "Put");
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: {
        code: "actor_type_not_found",
        message: "actor type Ghost is not hosted here (hosted: Note, Relay)",
        status: 404,
      },
    });
  });

  it("answers 404 naming the type and an unknown method, without activating the actor", async () => {
    for (const method of ["Missing", "onActivate", "constructor", "toString"]) {
      const res = await call("Note", "n1", method);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: {
          code: "actor_method_not_found",
          message: `actor type Note has no method ${method}`,
          status: 404,
        },
      });
    }
    expect(host.isActive("Note", "n1")).toBe(false);
    expect(events).toEqual([]);
  });

  it("activates on the first call, commits changes in one transaction, and caches reads", async () => {
    expect((await call("Note", "n1", "Put", { key: "a", value: { x: 1 } })).json()).toEqual({ ok: true });
    expect(events).toEqual(["activate:n1"]);
    expect(sidecar.transactions).toEqual([
      {
        type: "Note",
        id: "n1",
        operations: [{ operation: "upsert", request: { key: "a", value: { x: 1 } } }],
      },
    ]);
    expect((await call("Note", "n1", "Read", { key: "a" })).json()).toEqual({ value: { x: 1 } });
    expect((await call("Note", "n1", "Read", { key: "missing" })).json()).toEqual({ value: null });
    expect((await call("Note", "n1", "Read", { key: "missing" })).json()).toEqual({ value: null });
    // "a" was written by this activation (cached); "missing" is read from the sidecar once.
    expect(sidecar.stateReads.map((r) => r.key)).toEqual(["missing"]);
    expect(events).toEqual(["activate:n1"]);
  });

  it("answers a void method with an empty 200", async () => {
    const res = await call("Note", "n1", "Nothing");
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("");
  });

  it("accepts a call without a body or content type (input defaults to {}); rejects non-objects as typed 400s", async () => {
    const res = await app.inject({ method: "PUT", url: "/actors/Note/n1/method/Nothing" });
    expect(res.statusCode).toBe(200);
    const bad = await app.inject({ method: "PUT", url: "/actors/Note/n1/method/Read", payload: "{nope" });
    expect(bad.statusCode).toBe(200);
    expect(bad.headers["x-daprerrorresponseheader"]).toBe("true");
    expect(bad.json()).toMatchObject({ error: { code: "invalid_json", status: 400 } });
    for (const payload of ["[1,2]", "7", '"text"', "null"]) {
      const res = await app.inject({ method: "PUT", url: "/actors/Note/n1/method/Read", payload });
      expect(res.headers["x-daprerrorresponseheader"]).toBe("true");
      expect(res.json()).toEqual({
        error: { code: "invalid_input", message: "Note.Read takes one JSON object", status: 400 },
      });
    }
  });

  it("discards the changes of a throwing call: TroupeError → 200 + error header, other errors → 500", async () => {
    await call("Note", "n1", "Put", { key: "a", value: 1 });
    const expected = await call("Note", "n1", "PutThenThrow", { key: "a", value: 2, expected: true });
    expect(expected.statusCode).toBe(200);
    expect(expected.headers["x-daprerrorresponseheader"]).toBe("true");
    expect(expected.json()).toEqual({ error: { code: "note_rejected", message: "rejected a", status: 409 } });

    const unexpected = await call("Note", "n1", "PutThenThrow", { key: "a", value: 3 });
    expect(unexpected.statusCode).toBe(500);
    expect(unexpected.headers["x-daprerrorresponseheader"]).toBeUndefined();
    expect(unexpected.json()).toEqual({
      error: { code: "actor_method_failed", message: "Note/n1.PutThenThrow failed: boom", status: 500 },
    });

    expect(sidecar.transactions).toHaveLength(1);
    expect(sidecar.stored("Note", "n1", "a")).toBe(1);
    expect((await call("Note", "n1", "Read", { key: "a" })).json()).toEqual({ value: 1 });
  });

  it("keeps no dirty cache after a failed call that mutated a value it read", async () => {
    await call("Note", "n1", "Put", { key: "list", value: { items: ["a"] } });
    expect((await call("Note", "n1", "MutateReadThenThrow", { key: "list" })).statusCode).toBe(500);
    const readsBefore = sidecar.stateReads.length;
    expect((await call("Note", "n1", "Read", { key: "list" })).json()).toEqual({ value: { items: ["a"] } });
    // The failure dropped the activation's cache: the value was read again from the sidecar.
    expect(sidecar.stateReads.length).toBe(readsBefore + 1);
  });

  it("drops the cache when the commit itself fails, and answers 500", async () => {
    await call("Note", "n1", "Put", { key: "a", value: 1 });
    sidecar.failNextTransaction = true;
    const res = await call("Note", "n1", "Put", { key: "a", value: 2 });
    expect(res.statusCode).toBe(500);
    expect((await call("Note", "n1", "Read", { key: "a" })).json()).toEqual({ value: 1 });
  });

  it("flush() commits early; what follows a throw is discarded", async () => {
    const res = await call("Note", "n1", "FlushThenThrow", { first: "f", second: "s" });
    expect(res.statusCode).toBe(500);
    expect(sidecar.stored("Note", "n1", "f")).toBe(1);
    expect(sidecar.stored("Note", "n1", "s")).toBeUndefined();
    expect(sidecar.transactions).toHaveLength(1);
  });

  it("deactivates: an inactive actor answers 200; an active one runs onDeactivate as a turn", async () => {
    const inactive = await app.inject({ method: "DELETE", url: "/actors/Note/never" });
    expect(inactive.statusCode).toBe(200);
    const unknownType = await app.inject({ method: "DELETE", url: "/actors/Ghost/never" });
    expect(unknownType.statusCode).toBe(200);

    await call("Note", "n1", "Put", { key: "a", value: 1 });
    const res = await app.inject({ method: "DELETE", url: "/actors/Note/n1" });
    expect(res.statusCode).toBe(200);
    expect(host.isActive("Note", "n1")).toBe(false);
    expect(sidecar.stored("Note", "n1", "deactivated")).toBe(true);
    const again = await app.inject({ method: "DELETE", url: "/actors/Note/n1" });
    expect(again.statusCode).toBe(200);

    await call("Note", "n1", "Read", { key: "a" });
    expect(events).toEqual(["activate:n1", "deactivate:n1", "activate:n1"]);
  });

  it("fires timers and reminders with their typed data; CANCEL_SCHEDULE sets X-DaprReminderCancel and deletes", async () => {
    await sidecar.setActorTimer("Note", "n1", "last", { dueTime: "1s", period: "1s", callback: "last" });
    await sidecar.setActorTimer("Note", "n1", "tick", { dueTime: "1s", period: "1s", callback: "tick" });
    await sidecar.setActorReminder("Note", "n1", "last", { dueTime: "1s", period: "1s" });
    const fire = (kind: "timer" | "remind", name: string, data: Json) =>
      app.inject({
        method: "PUT",
        url: `/actors/Note/n1/method/${kind}/${name}`,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({
          data,
          dueTime: "1s",
          period: "1s",
          ...(kind === "timer" ? { callback: name } : {}),
        }),
      });
    const t = await fire("timer", "tick", { n: 1 });
    expect(t.statusCode).toBe(200);
    expect(t.headers["x-daprremindercancel"]).toBeUndefined();
    const tLast = await fire("timer", "last", null);
    expect(tLast.headers["x-daprremindercancel"]).toBe("true");
    const r = await fire("remind", "beat", "payload");
    expect(r.headers["x-daprremindercancel"]).toBeUndefined();
    const rLast = await fire("remind", "last", [1, 2]);
    expect(rLast.headers["x-daprremindercancel"]).toBe("true");
    // daprd 1.18 ignores the header, so the host also deletes the schedule; the others stay.
    expect([...sidecar.timers.keys()]).toEqual(["Note||n1||tick"]);
    expect([...sidecar.reminders.keys()]).toEqual([]);
    expect(events).toEqual([
      "activate:n1",
      'timer:tick:{"n":1}',
      "timer:last:null",
      'reminder:beat:"payload"',
      "reminder:last:[1,2]",
    ]);
  });

  it("logs a throwing timer or reminder callback and answers 200 (the process keeps running)", async () => {
    for (const kind of ["timer", "remind"]) {
      const res = await app.inject({
        method: "PUT",
        url: `/actors/Note/n1/method/${kind}/explode`,
        headers: { "content-type": "application/json" },
        payload: "{}",
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-daprremindercancel"]).toBeUndefined();
    }
    expect((await call("Note", "n1", "Nothing")).statusCode).toBe(200);
  });

  it("registers timers and reminders through the sidecar with Go durations", async () => {
    await call("Note", "n1", "Schedule", { timer: "t", reminder: "r" });
    expect(sidecar.timers.get("Note||n1||t")).toEqual({
      dueTime: "1500ms",
      period: "2s",
      data: { n: 1 },
      callback: "t",
    });
    expect(sidecar.reminders.get("Note||n1||r")).toEqual({ dueTime: "90s", data: "r" });
  });

  it("carries Dapr-Reentrancy-Id and the trace context to every outgoing actor call (A → B → A)", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const res = await call(
      "Relay",
      "a",
      "Hop",
      { next: "b" },
      {
        "dapr-reentrancy-id": "chain-1",
        traceparent,
        tracestate: "vendor=1",
      },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ path: ["a", "b", "a"] });
    expect(sidecar.actorCalls.map((c) => `${c.type}/${c.id}.${c.method}`)).toEqual([
      "Relay/b.Hop",
      "Relay/a.Hop",
    ]);
    for (const c of sidecar.actorCalls) {
      expect(c.headers).toMatchObject({
        "dapr-reentrancy-id": "chain-1",
        traceparent,
        tracestate: "vendor=1",
      });
    }
  });

  it("does not forward the reentrancy id when reentrancy is disabled (the trace context still travels)", async () => {
    const other = new FakeSidecar();
    const app2 = Fastify({ logger: false });
    await app2.register(
      daprActorHost({
        registrations: registrations(),
        sidecar: other,
        settings: { reentrancy: { enabled: false } },
      }),
    );
    other.app = app2;
    try {
      const config = (await app2.inject({ method: "GET", url: "/dapr/config" })).json<{
        reentrancy: object;
      }>();
      expect(config.reentrancy).toEqual({ enabled: false, maxStackDepth: 32 });
      const res = await app2.inject({
        method: "PUT",
        url: "/actors/Relay/a/method/Hop",
        headers: {
          "content-type": "application/json",
          "dapr-reentrancy-id": "chain-1",
          traceparent: "00-t-s-01",
        },
        payload: JSON.stringify({ next: "b" }),
      });
      expect(res.statusCode).toBe(200);
      expect(other.actorCalls).not.toHaveLength(0);
      for (const c of other.actorCalls) {
        expect(c.headers["dapr-reentrancy-id"]).toBeUndefined();
        expect(c.headers.traceparent).toBe("00-t-s-01");
      }
    } finally {
      await app2.close();
    }
  });

  it("does not leak one request's call context into another", async () => {
    await call("Relay", "a", "Hop", { next: "b" }, { "dapr-reentrancy-id": "chain-1" });
    await call("Relay", "c", "Hop", { next: "d" });
    const last = sidecar.actorCalls.slice(-2);
    for (const c of last) expect(c.headers["dapr-reentrancy-id"]).toBeUndefined();
  });

  it("deactivates every live actor when fastify closes", async () => {
    await call("Note", "n1", "Nothing");
    await call("Note", "n2", "Nothing");
    await app.close();
    expect(events.filter((e) => e.startsWith("deactivate")).sort()).toEqual([
      "deactivate:n1",
      "deactivate:n2",
    ]);
  });
});
