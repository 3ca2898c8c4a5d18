import { ActorCallError, TroupeError, expectedErrorBody } from "@troupe/actor-interfaces";
import type { ActorClient, ActorProxy, ActorType, CallOptions, Json } from "@troupe/actor-interfaces";
import {
  CANCEL_SCHEDULE,
  defaultRuntimeSettings,
  type ActorContext,
  type ActorInstance,
  type ActorLogger,
  type ActorRegistration,
  type ActorRuntimeSettings,
  type ActorScheduler,
  type ScheduleOptions,
  type ScheduleResult,
} from "../api.ts";
import { ActivationState } from "../core/actor-state.ts";
import { actorKey, currentCallContext, newChainId, runOutsideCallContext } from "../core/call-context.ts";
import { parseDuration } from "../core/duration.ts";
import { wireCopy } from "../core/json.ts";
import { createMemoryBackend } from "../core/memory-backend.ts";
import type { ReminderRecord, StateBackend } from "../core/state-backend.ts";
import { StackDepthError, TurnLock } from "../core/turn-lock.ts";
import { runTurn, turnStateManager } from "../core/turn.ts";
import { Cancellation } from "../core/cancel.ts";
import { schedulingTraceparent, traceActorCall, traceScheduleFiring } from "../core/tracing.ts";
import { childLogger, createStderrLogger } from "./logger.ts";

/** `rpc.system` of the embedded runtime's actor spans. */
const RPC_SYSTEM = "troupe-embedded";

/** Any registration, whatever its shape (the runtime only sees method names). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyActorRegistration = ActorRegistration<any>;

export interface EmbeddedRuntimeOptions {
  registrations: readonly AnyActorRegistration[];
  settings?: Partial<ActorRuntimeSettings>;
  /** Where state and reminders live; in memory when omitted. The caller closes a backend it passed in. */
  state?: StateBackend;
  log?: ActorLogger;
}

/**
 * Dapr's actor semantics in one process: turn-based calls, activation on demand, idle deactivation,
 * per-call transactional state, volatile timers, durable reminders, reentrancy by call chain.
 */
export interface EmbeddedRuntime {
  /** Calls actors; inside an actor call it carries the call chain (reentrancy) automatically. */
  readonly actors: ActorClient;
  readonly settings: ActorRuntimeSettings;
  /** Calls `method` on an actor by name (what the typed proxies do). */
  invoke(type: string, id: string, method: string, input?: unknown, options?: CallOptions): Promise<unknown>;
  /** Number of active actors (activated and not yet deactivated). */
  activeCount(): number;
  isActive(type: string, id: string): boolean;
  /**
   * Deactivates every actor (after ongoing calls drain, bounded by `drainOngoingCallTimeout`), stops all
   * timers and reminder schedules (reminders stay stored), then rejects further calls.
   */
  stop(): Promise<void>;
}

type Instance = ActorInstance<unknown> & Record<string, unknown>;

interface Activation {
  readonly instance: Instance;
  readonly state: ActivationState;
  readonly timers: Map<string, ScheduledTimer>;
}

interface ScheduledTimer {
  handle: NodeJS.Timeout | undefined;
  readonly periodMs: number | undefined;
  readonly data: Json | undefined;
  /** traceparent of the span that set the timer; each firing's span links to it. */
  readonly scheduledBy: string | undefined;
}

interface Slot {
  readonly key: string;
  readonly type: string;
  readonly id: string;
  readonly registration: AnyActorRegistration;
  readonly lock: TurnLock;
  activation: Activation | undefined;
  idle: NodeJS.Timeout | undefined;
  readonly idleMs: number;
  lastUsed: number;
}

interface ArmedReminder {
  record: ReminderRecord;
  handle: NodeJS.Timeout | undefined;
}

interface TurnRequest {
  chainId: string;
  depth: number;
  cancellation?: Cancellation;
  /** Reminders and calls activate the actor; timers and deactivation only run on an existing activation. */
  activate: boolean;
}

const SKIPPED = Symbol("skipped");

/**
 * Starts an embedded runtime: registers the actor types and re-arms the reminders stored in `state`
 * (so reminders survive a restart when the backend is durable).
 */
export async function createEmbeddedRuntime(options: EmbeddedRuntimeOptions): Promise<EmbeddedRuntime> {
  const runtime = new Runtime(options);
  await runtime.rearmReminders();
  return runtime;
}

class Runtime implements EmbeddedRuntime {
  readonly settings: ActorRuntimeSettings;
  readonly actors: ActorClient;
  private readonly registry = new Map<string, AnyActorRegistration>();
  private readonly idleMs = new Map<string, number>();
  private readonly slots = new Map<string, Slot>();
  private readonly reminders = new Map<string, ArmedReminder>();
  private readonly backend: StateBackend;
  private readonly ownsBackend: boolean;
  private readonly log: ActorLogger;
  private stopped = false;

  constructor(options: EmbeddedRuntimeOptions) {
    this.settings = {
      ...defaultRuntimeSettings,
      ...options.settings,
      reentrancy: { ...defaultRuntimeSettings.reentrancy, ...options.settings?.reentrancy },
    };
    for (const registration of options.registrations) {
      if (this.registry.has(registration.type.name)) {
        throw new Error(`actor type ${registration.type.name} is registered twice`);
      }
      this.registry.set(registration.type.name, registration);
      this.idleMs.set(
        registration.type.name,
        parseDuration(registration.idleTimeout ?? this.settings.idleTimeout),
      );
    }
    this.backend = options.state ?? createMemoryBackend();
    this.ownsBackend = options.state === undefined;
    this.log = options.log ?? createStderrLogger();
    this.actors = { actor: (type, id) => this.proxy(type, id) };
  }

  activeCount(): number {
    let count = 0;
    for (const slot of this.slots.values()) if (slot.activation) count++;
    return count;
  }

  isActive(type: string, id: string): boolean {
    return this.slots.get(actorKey(type, id))?.activation !== undefined;
  }

  // ---- calls ---------------------------------------------------------------------------------------

  private proxy<S>(type: ActorType<S>, id: string): ActorProxy<S> {
    const proxy: Record<string, (input?: unknown, options?: CallOptions) => Promise<unknown>> = {};
    for (const method of type.methods) {
      proxy[method] = (input, options) => this.invoke(type.name, id, method, input, options);
    }
    return Object.freeze(proxy) as ActorProxy<S>;
  }

  /** One actor call, traced as a CLIENT span `{type}/{method}` (the method itself runs in a SERVER span). */
  invoke(
    type: string,
    id: string,
    method: string,
    input?: unknown,
    options: CallOptions = {},
  ): Promise<unknown> {
    return traceActorCall("client", { system: RPC_SYSTEM, type, id, method }, () =>
      this.invokeUntraced(type, id, method, input, options),
    );
  }

  private async invokeUntraced(
    type: string,
    id: string,
    method: string,
    input: unknown,
    options: CallOptions,
  ): Promise<unknown> {
    const registration = this.registry.get(type);
    if (!registration) {
      throw new ActorCallError(
        type,
        id,
        method,
        404,
        `actor type ${type} is not registered`,
        "actor_type_not_found",
      );
    }
    if (!registration.type.methods.has(method)) {
      throw new ActorCallError(
        type,
        id,
        method,
        404,
        `actor type ${type} has no method ${method}`,
        "actor_method_not_found",
      );
    }
    if (this.stopped)
      throw new ActorCallError(
        type,
        id,
        method,
        503,
        "the actor runtime is stopped",
        "actor_runtime_stopped",
      );
    const parent = currentCallContext();
    const timeoutMs = options.timeoutMs ?? this.settings.callTimeoutMs;
    const abort = new Cancellation();
    const request: TurnRequest = {
      chainId: parent?.chainId ?? newChainId(),
      depth: (parent?.depth ?? 0) + 1,
      cancellation: abort,
      activate: true,
    };
    const payload = wireCopy(input ?? {});
    const call = this.turn(this.slot(type, id, registration), request, (instance) =>
      traceActorCall("server", { system: RPC_SYSTEM, type, id, method }, async () => {
        const fn = instance[method];
        if (typeof fn !== "function") throw new Error(`the instance of ${type} does not implement ${method}`);
        const result: unknown = await (fn as (input: unknown) => Promise<unknown>).call(instance, payload);
        return wireCopy(result);
      }),
    );
    // Unexpected failures are logged once, here, where the actor's identity and method are known.
    const logged = call.catch((error: unknown) => {
      if (expectedErrorBody(error) === undefined && !abort.cancelled) {
        this.log.error({ actorType: type, actorId: id, method, err: error }, "actor call failed");
      }
      throw error;
    });
    return await withDeadline(
      logged,
      abort,
      timeoutMs,
      options.signal,
      () =>
        new ActorCallError(type, id, method, 504, `no answer within ${timeoutMs}ms`, "actor_call_timeout"),
    ).catch((error: unknown) => {
      throw this.toCallerError(type, id, method, error);
    });
  }

  /**
   * What the caller of `type/id.method` gets, as a Dapr caller would: what this runtime raised about this
   * call (unknown method, stopped, timeout) as is; an expected failure of the method as a TroupeError
   * (an ActorCallError 4xx from a call the method made included); anything else as an ActorCallError 500.
   */
  private toCallerError(type: string, id: string, method: string, error: unknown): Error {
    if (error instanceof ActorCallError && error.actorType === type && error.actorId === id) return error;
    const expected = expectedErrorBody(error);
    if (expected) return TroupeError.fromBody(expected);
    if (error instanceof StackDepthError)
      return new ActorCallError(type, id, method, 500, error.message, "actor_reentrancy_depth");
    const detail = error instanceof Error ? error.message : String(error);
    return new ActorCallError(type, id, method, 500, detail);
  }

  // ---- turns ---------------------------------------------------------------------------------------

  private slot(type: string, id: string, registration: AnyActorRegistration): Slot {
    const key = actorKey(type, id);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {
        key,
        type,
        id,
        registration,
        lock: new TurnLock(this.settings.reentrancy),
        activation: undefined,
        idle: undefined,
        idleMs: this.idleMs.get(type) ?? 0,
        lastUsed: 0,
      };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /**
   * Runs `work` as one turn of the actor (`runTurn`): waits for the turn, activates if needed, and leaves
   * the idle bookkeeping to `afterTurn`. Without `request.activate`, an inactive actor is SKIPPED.
   */
  private async turn<T>(
    slot: Slot,
    request: TurnRequest,
    work: (instance: Instance, activation: Activation) => Promise<T>,
  ): Promise<T | typeof SKIPPED> {
    await slot.lock.acquire(request.chainId, request.cancellation);
    try {
      if (this.stopped && request.activate)
        throw new ActorCallError(slot.type, slot.id, "", 503, "the actor runtime is stopped");
      if (!slot.activation) {
        if (!request.activate) return SKIPPED;
        slot.activation = await this.activate(slot, request);
      }
      const activation = slot.activation;
      return await runTurn(activation.state, request, () => work(activation.instance, activation));
    } finally {
      slot.lock.release();
      this.afterTurn(slot);
    }
  }

  private async activate(slot: Slot, request: TurnRequest): Promise<Activation> {
    const activation: Activation = {
      instance: undefined as unknown as Instance,
      state: new ActivationState(this.backend, slot.type, slot.id),
      timers: new Map(),
    };
    const ctx = this.context(slot, activation);
    const instance = slot.registration.create(ctx) as Instance;
    (activation as { instance: Instance }).instance = instance;
    if (instance.onActivate) await runTurn(activation.state, request, async () => instance.onActivate?.());
    return activation;
  }

  private afterTurn(slot: Slot): void {
    if (slot.lock.busy) return;
    if (!slot.activation) {
      this.slots.delete(slot.key);
      return;
    }
    if (this.stopped) return;
    slot.lastUsed = Date.now();
    // One lazy timer per actor instead of re-arming on every call: it re-checks the last use when it fires.
    if (!slot.idle) this.armIdle(slot, slot.idleMs);
  }

  private armIdle(slot: Slot, delayMs: number): void {
    slot.idle = runOutsideCallContext(() => setTimeout(() => this.onIdleTimer(slot), delayMs).unref());
  }

  private onIdleTimer(slot: Slot): void {
    slot.idle = undefined;
    if (this.stopped || slot.lock.busy || !slot.activation) return;
    const remaining = slot.lastUsed + slot.idleMs - Date.now();
    if (remaining > 0) this.armIdle(slot, remaining);
    else void this.deactivate(slot);
  }

  private async deactivate(slot: Slot, drainMs?: number): Promise<void> {
    const request = { chainId: newChainId(), depth: 0, activate: false };
    const drain =
      drainMs === undefined ? undefined : Cancellation.after(drainMs, () => new Error("drain timeout"));
    const result = await runOutsideCallContext(() =>
      this.turn(
        slot,
        { ...request, ...(drain ? { cancellation: drain } : {}) },
        async (instance, activation) => {
          for (const timer of activation.timers.values()) clearTimeout(timer.handle);
          activation.timers.clear();
          slot.activation = undefined;
          await instance.onDeactivate?.();
        },
      ),
    ).catch((error: unknown) => error);
    if (result instanceof Error && !(drain?.cancelled ?? false)) {
      this.log.warn({ actorType: slot.type, actorId: slot.id, err: result }, "onDeactivate failed");
    } else if (drain?.cancelled) {
      this.log.warn({ actorType: slot.type, actorId: slot.id }, "ongoing call did not drain; actor dropped");
      const activation = slot.activation;
      if (activation) for (const timer of activation.timers.values()) clearTimeout(timer.handle);
      slot.activation = undefined;
    }
  }

  // ---- actor context -------------------------------------------------------------------------------

  private context(slot: Slot, activation: Activation): ActorContext {
    return Object.freeze({
      type: slot.type,
      id: slot.id,
      state: turnStateManager(slot.type, slot.id),
      timers: this.timerScheduler(slot, activation),
      reminders: this.reminderScheduler(slot),
      actors: this.actors,
      log: childLogger(this.log, { actorType: slot.type, actorId: slot.id }),
    });
  }

  private timerScheduler(slot: Slot, activation: Activation): ActorScheduler {
    return {
      set: <D extends Json>(name: string, options: ScheduleOptions<D>) => {
        const dueMs = parseDuration(options.dueTime);
        const periodMs =
          options.period === undefined || options.period === "" ? undefined : parseDuration(options.period);
        clearTimeout(activation.timers.get(name)?.handle);
        const timer: ScheduledTimer = {
          handle: undefined,
          periodMs,
          data: wireCopy(options.data),
          scheduledBy: schedulingTraceparent(),
        };
        activation.timers.set(name, timer);
        this.armTimer(slot, activation, name, timer, dueMs);
        return Promise.resolve();
      },
      delete: (name) => {
        clearTimeout(activation.timers.get(name)?.handle);
        activation.timers.delete(name);
        return Promise.resolve();
      },
    };
  }

  private armTimer(
    slot: Slot,
    activation: Activation,
    name: string,
    timer: ScheduledTimer,
    delayMs: number,
  ): void {
    timer.handle = runOutsideCallContext(() =>
      setTimeout(() => void this.fireTimer(slot, activation, name, timer), delayMs).unref(),
    );
  }

  private async fireTimer(
    slot: Slot,
    activation: Activation,
    name: string,
    timer: ScheduledTimer,
  ): Promise<void> {
    const current = () => slot.activation === activation && activation.timers.get(name) === timer;
    const firing = { system: RPC_SYSTEM, kind: "timer", type: slot.type, id: slot.id, name } as const;
    const outcome = await traceScheduleFiring({ ...firing, scheduledBy: timer.scheduledBy }, () =>
      this.runCallback(slot, false, "timer", name, async (instance) => {
        if (!current()) return undefined;
        if (!instance.onTimer) {
          this.log.warn(
            { actorType: slot.type, actorId: slot.id, timer: name },
            "timer fired but the actor has no onTimer",
          );
          return undefined;
        }
        return instance.onTimer(name, wireCopy(timer.data));
      }),
    );
    if (!current()) return;
    if (outcome === CANCEL_SCHEDULE || timer.periodMs === undefined) activation.timers.delete(name);
    else this.armTimer(slot, activation, name, timer, timer.periodMs);
  }

  private reminderScheduler(slot: Slot): ActorScheduler {
    return {
      set: async <D extends Json>(name: string, options: ScheduleOptions<D>) => {
        const dueMs = parseDuration(options.dueTime);
        const record: ReminderRecord = { type: slot.type, id: slot.id, name, nextFireAt: Date.now() + dueMs };
        if (options.period !== undefined && options.period !== "")
          record.periodMs = parseDuration(options.period);
        if (options.data !== undefined) record.data = wireCopy(options.data);
        const traceparent = schedulingTraceparent();
        if (traceparent !== undefined) record.traceparent = traceparent;
        await this.backend.saveReminder(record);
        this.armReminder(record);
      },
      delete: async (name) => {
        this.disarmReminder(slot.type, slot.id, name);
        await this.backend.deleteReminder(slot.type, slot.id, name);
      },
    };
  }

  async rearmReminders(): Promise<void> {
    for (const record of await this.backend.listReminders()) {
      if (!this.registry.has(record.type)) {
        this.log.warn(
          { actorType: record.type, reminder: record.name },
          "stored reminder for an unregistered actor type",
        );
        continue;
      }
      this.armReminder(record);
    }
  }

  private armReminder(record: ReminderRecord): void {
    const key = `${actorKey(record.type, record.id)}||${record.name}`;
    clearTimeout(this.reminders.get(key)?.handle);
    const armed: ArmedReminder = { record, handle: undefined };
    this.reminders.set(key, armed);
    const delay = Math.max(0, record.nextFireAt - Date.now());
    armed.handle = runOutsideCallContext(() =>
      setTimeout(() => void this.fireReminder(key, armed), delay).unref(),
    );
  }

  private disarmReminder(type: string, id: string, name: string): void {
    const key = `${actorKey(type, id)}||${name}`;
    clearTimeout(this.reminders.get(key)?.handle);
    this.reminders.delete(key);
  }

  private async fireReminder(key: string, armed: ArmedReminder): Promise<void> {
    const { record } = armed;
    const registration = this.registry.get(record.type);
    if (this.stopped || !registration) return;
    const current = () => this.reminders.get(key) === armed;
    const slot = this.slot(record.type, record.id, registration);
    const firing = { system: RPC_SYSTEM, kind: "reminder", type: record.type, id: record.id } as const;
    const outcome = await traceScheduleFiring(
      { ...firing, name: record.name, scheduledBy: record.traceparent },
      () =>
        this.runCallback(slot, true, "reminder", record.name, async (instance) => {
          if (!current()) return undefined;
          if (!instance.onReminder) {
            this.log.warn(
              { actorType: record.type, actorId: record.id, reminder: record.name },
              "reminder fired but the actor has no onReminder",
            );
            return undefined;
          }
          return instance.onReminder(record.name, wireCopy(record.data));
        }),
    );
    if (!current() || this.stopped) return;
    try {
      if (outcome === CANCEL_SCHEDULE || record.periodMs === undefined) {
        this.reminders.delete(key);
        await this.backend.deleteReminder(record.type, record.id, record.name);
      } else {
        const next: ReminderRecord = { ...record, nextFireAt: Date.now() + record.periodMs };
        await this.backend.saveReminder(next);
        if (current()) this.armReminder(next);
      }
    } catch (error) {
      this.log.error(
        { actorType: record.type, actorId: record.id, reminder: record.name, err: error },
        "reminder bookkeeping failed",
      );
    }
  }

  /** Runs a timer or reminder callback as a turn; its errors are logged, never thrown. */
  private async runCallback(
    slot: Slot,
    activate: boolean,
    kind: "timer" | "reminder",
    name: string,
    callback: (instance: Instance) => Promise<ScheduleResult | undefined>,
  ): Promise<ScheduleResult | undefined> {
    try {
      const result = await runOutsideCallContext(() =>
        this.turn(slot, { chainId: newChainId(), depth: 1, activate }, callback),
      );
      return result === SKIPPED ? undefined : result;
    } catch (error) {
      this.log.error(
        { actorType: slot.type, actorId: slot.id, [kind]: name, err: error },
        `${kind} callback failed`,
      );
      return undefined;
    }
  }

  // ---- shutdown ------------------------------------------------------------------------------------

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const armed of this.reminders.values()) clearTimeout(armed.handle);
    this.reminders.clear();
    const drainMs = parseDuration(this.settings.drainOngoingCallTimeout);
    await Promise.all(
      [...this.slots.values()].map((slot) => {
        clearTimeout(slot.idle);
        return slot.activation ? this.deactivate(slot, drainMs) : Promise.resolve();
      }),
    );
    if (this.ownsBackend) await this.backend.close();
  }
}

/**
 * Resolves with `work`, or rejects when the deadline passes or the caller's signal aborts. Aborting
 * `abort` takes a call that has not started yet out of the actor's queue (a started call runs to its end,
 * as on Dapr, and its result is dropped).
 */
function withDeadline<T>(
  work: Promise<T>,
  abort: Cancellation,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  timeoutError: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (error: Error) => {
      cleanup();
      abort.cancel(error);
      reject(error);
    };
    const timer = setTimeout(() => fail(timeoutError()), timeoutMs);
    const onAbort = () =>
      fail(signal?.reason instanceof Error ? signal.reason : new Error("actor call aborted"));
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    work.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
