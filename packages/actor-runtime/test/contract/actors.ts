/**
 * The actors the contract suite runs on every runtime. They are ordinary actors written against the
 * host API (`registration`, `ActorContext`), so the same registrations serve the embedded runtime and the
 * Dapr host. Lifecycle and schedule events also go to a shared `ContractLog`, so tests can observe them
 * without calling the actor (which would itself activate it or reset its idle clock).
 */
import { TroupeError, actorType } from "@troupe/actor-interfaces";
import { CANCEL_SCHEDULE, registration, type ActorContext, type ActorRegistration } from "../../src/api.ts";
import { sleep, type ContractLog } from "./log.ts";

/** A registration of any shape (what a harness hands to a host). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRegistration = ActorRegistration<any>;

export interface CounterApi {
  Increment(input: { by?: number }): Promise<{ value: number }>;
  Get(input: Record<string, never>): Promise<{ value: number }>;
}
export const ContractCounter = actorType<CounterApi>()("ContractCounter", { Increment: true, Get: true });

/** The same runtime name with a method the host does not implement: calls to `Missing` must give 404. */
export const ContractCounterWithMissing = actorType<
  CounterApi & { Missing(input: object): Promise<object> }
>()("ContractCounter", { Increment: true, Get: true, Missing: true });

export interface ThrowerApi {
  Set(input: { value: number }): Promise<{ value: number }>;
  Get(input: Record<string, never>): Promise<{ value: number | null }>;
  /** Sets `value`, then throws: a TroupeError when `expected`, a plain Error otherwise. */
  SetThenThrow(input: { value: number; expected: boolean }): Promise<object>;
  /** Calls `ContractCounterWithMissing.Missing` and lets its failure propagate. */
  CallMissing(input: { counterId: string }): Promise<object>;
}
export const ContractThrower = actorType<ThrowerApi>()("ContractThrower", {
  Set: true,
  Get: true,
  SetThenThrow: true,
  CallMissing: true,
});

export interface RendezvousApi {
  /** Enters, then waits until `expect` entries of `group` are inside at once (or `waitMs` passes). */
  Meet(input: { group: string; expect: number; waitMs: number }): Promise<{ met: boolean }>;
}
export const ContractRendezvous = actorType<RendezvousApi>()("ContractRendezvous", { Meet: true });

export interface RecorderApi {
  Set(input: { value: string }): Promise<object>;
  Get(input: Record<string, never>): Promise<{ value: string | null }>;
}
export const ContractRecorder = actorType<RecorderApi>()("ContractRecorder", { Set: true, Get: true });

export interface ReentrantAApi {
  /** Calls B.Bounce, which calls back A.Echo on this same actor while Start holds its turn. */
  Start(input: { bId: string }): Promise<{ path: string[] }>;
  Echo(input: Record<string, never>): Promise<{ path: string[] }>;
}
export const ContractReentrantA = actorType<ReentrantAApi>()("ContractReentrantA", {
  Start: true,
  Echo: true,
});

export interface ReentrantBApi {
  Bounce(input: { aId: string }): Promise<{ path: string[] }>;
}
export const ContractReentrantB = actorType<ReentrantBApi>()("ContractReentrantB", { Bounce: true });

export interface TimerApi {
  /** Starts timer `name`; the callback returns CANCEL_SCHEDULE once it fired `stopAfter` times. */
  Start(input: { name: string; dueTime: string; period: string; stopAfter?: number }): Promise<object>;
  Stop(input: { name: string }): Promise<object>;
  Fires(input: { name: string }): Promise<{ fires: number }>;
}
export const ContractTimer = actorType<TimerApi>()("ContractTimer", { Start: true, Stop: true, Fires: true });

export interface ReminderApi {
  /** Registers reminder `name`; after `stopAfter` fires it cancels itself by returning or by deleting. */
  Schedule(input: {
    name: string;
    dueTime: string;
    period?: string;
    stopAfter?: number;
    cancelBy?: "return" | "delete";
  }): Promise<object>;
  Fires(input: { name: string }): Promise<{ fires: number }>;
}
export const ContractReminder = actorType<ReminderApi>()("ContractReminder", { Schedule: true, Fires: true });

/** Idle timeout of ContractRecorder (a per-type override; every other type keeps the runtime default). */
export const RECORDER_IDLE_TIMEOUT = "2s";

function lifecycle(log: ContractLog, ctx: ActorContext) {
  return {
    onActivate() {
      log.record({ kind: "activate", type: ctx.type, id: ctx.id });
      return Promise.resolve();
    },
    onDeactivate() {
      log.record({ kind: "deactivate", type: ctx.type, id: ctx.id });
      return Promise.resolve();
    },
  };
}

/** Yields to the event loop between a read and a write, so a runtime without turns would lose updates. */
const interleave = () => new Promise<void>((resolve) => setImmediate(resolve));

export function contractRegistrations(log: ContractLog): AnyRegistration[] {
  const counter = registration(ContractCounter, (ctx) => ({
    ...lifecycle(log, ctx),
    async Increment({ by = 1 }) {
      const current = (await ctx.state.get<number>("value")) ?? 0;
      await interleave();
      ctx.state.set("value", current + by);
      return { value: current + by };
    },
    async Get() {
      return { value: (await ctx.state.get<number>("value")) ?? 0 };
    },
  }));

  const thrower = registration(ContractThrower, (ctx) => ({
    Set({ value }) {
      ctx.state.set("value", value);
      return Promise.resolve({ value });
    },
    async Get() {
      return { value: (await ctx.state.get<number>("value")) ?? null };
    },
    async SetThenThrow({ value, expected }) {
      ctx.state.set("value", value);
      await interleave();
      if (expected) throw new TroupeError("contract_rejected", `value ${value} rejected on purpose`, 409);
      throw new Error(`unexpected failure after setting ${value}`);
    },
    CallMissing({ counterId }) {
      return ctx.actors.actor(ContractCounterWithMissing, counterId).Missing({});
    },
  }));

  const rendezvous = registration(ContractRendezvous, (ctx) => ({
    async Meet({ group, expect, waitMs }) {
      log.record({ kind: "enter", type: ctx.type, id: ctx.id, name: group });
      const deadline = Date.now() + waitMs;
      while (log.count((e) => e.kind === "enter" && e.name === group) < expect) {
        if (Date.now() > deadline) return { met: false };
        await sleep(10);
      }
      return { met: true };
    },
  }));

  const recorder = registration(
    ContractRecorder,
    (ctx) => ({
      ...lifecycle(log, ctx),
      Set({ value }) {
        ctx.state.set("value", value);
        return Promise.resolve({});
      },
      async Get() {
        return { value: (await ctx.state.get<string>("value")) ?? null };
      },
    }),
    { idleTimeout: RECORDER_IDLE_TIMEOUT },
  );

  const reentrantA = registration(ContractReentrantA, (ctx) => ({
    async Start({ bId }) {
      const { path } = await ctx.actors.actor(ContractReentrantB, bId).Bounce({ aId: ctx.id });
      return { path: ["A:Start", ...path] };
    },
    Echo() {
      return Promise.resolve({ path: ["A:Echo"] });
    },
  }));

  const reentrantB = registration(ContractReentrantB, (ctx) => ({
    async Bounce({ aId }) {
      const { path } = await ctx.actors.actor(ContractReentrantA, aId).Echo({});
      return { path: ["B:Bounce", ...path] };
    },
  }));

  const timer = registration(ContractTimer, (ctx) => ({
    async Start({ name, dueTime, period, stopAfter }) {
      await ctx.timers.set(name, { dueTime, period, data: { stopAfter: stopAfter ?? null } });
      return {};
    },
    async Stop({ name }) {
      await ctx.timers.delete(name);
      return {};
    },
    async Fires({ name }) {
      return { fires: (await ctx.state.get<number>(`fires:${name}`)) ?? 0 };
    },
    async onTimer(name, data) {
      const fires = ((await ctx.state.get<number>(`fires:${name}`)) ?? 0) + 1;
      ctx.state.set(`fires:${name}`, fires);
      log.record({ kind: "timer", type: ctx.type, id: ctx.id, name, data: fires });
      const stopAfter = (data as { stopAfter: number | null } | undefined)?.stopAfter;
      return typeof stopAfter === "number" && fires >= stopAfter ? CANCEL_SCHEDULE : undefined;
    },
  }));

  const reminder = registration(ContractReminder, (ctx) => ({
    ...lifecycle(log, ctx),
    async Schedule({ name, dueTime, period, stopAfter, cancelBy = "return" }) {
      await ctx.reminders.set(name, {
        dueTime,
        ...(period !== undefined ? { period } : {}),
        data: { stopAfter: stopAfter ?? null, cancelBy },
      });
      return {};
    },
    async Fires({ name }) {
      return { fires: (await ctx.state.get<number>(`fires:${name}`)) ?? 0 };
    },
    async onReminder(name, data) {
      const fires = ((await ctx.state.get<number>(`fires:${name}`)) ?? 0) + 1;
      ctx.state.set(`fires:${name}`, fires);
      log.record({ kind: "reminder", type: ctx.type, id: ctx.id, name, data: fires });
      const { stopAfter, cancelBy } = (data ?? {}) as { stopAfter?: number | null; cancelBy?: string };
      if (typeof stopAfter !== "number" || fires < stopAfter) return undefined;
      if (cancelBy === "delete") {
        await ctx.reminders.delete(name);
        return undefined;
      }
      return CANCEL_SCHEDULE;
    },
  }));

  return [counter, thrower, rendezvous, recorder, reentrantA, reentrantB, timer, reminder];
}
