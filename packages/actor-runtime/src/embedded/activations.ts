/**
 * Turns and activation of the embedded runtime: one slot per actor id holding its turn lock and, while
 * active, its instance and committed state; activation on demand, idle deactivation, and deactivation
 * with a drain bound at shutdown.
 */
import { ActorCallError } from "@troupe/actor-interfaces";
import type {
  ActorContext,
  ActorInstance,
  ActorLogger,
  ActorRegistration,
  ActorRuntimeSettings,
  ScheduleResult,
} from "../api.ts";
import { ActivationState } from "../core/actor-state.ts";
import { actorKey, newChainId, runOutsideCallContext } from "../core/call-context.ts";
import { Cancellation } from "../core/cancel.ts";
import { parseDuration } from "../core/duration.ts";
import type { StateBackend } from "../core/state-backend.ts";
import { TurnLock } from "../core/turn-lock.ts";
import { runTurn } from "../core/turn.ts";
import type { ScheduledTimer } from "./schedules.ts";

/** `rpc.system` of the embedded runtime's actor spans. */
export const RPC_SYSTEM = "troupe-embedded";

/** Any registration, whatever its shape (the runtime only sees method names). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyActorRegistration = ActorRegistration<any>;

/** What the parts of one embedded runtime share. */
export interface RuntimeScope {
  readonly settings: ActorRuntimeSettings;
  readonly registry: ReadonlyMap<string, AnyActorRegistration>;
  readonly backend: StateBackend;
  readonly log: ActorLogger;
  /** Set once by `stop()`: no new activations, no further schedules. */
  readonly stopped: boolean;
}

export type Instance = ActorInstance<unknown> & Record<string, unknown>;

export interface Activation {
  readonly instance: Instance;
  readonly state: ActivationState;
  /** The activation's volatile timers, by name; they end with it. */
  readonly timers: Map<string, ScheduledTimer>;
}

export interface Slot {
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

export interface TurnRequest {
  chainId: string;
  depth: number;
  cancellation?: Cancellation;
  /** Reminders and calls activate the actor; timers and deactivation only run on an existing activation. */
  activate: boolean;
}

/** What `turn` answers when the request does not activate and the actor is not active. */
export const SKIPPED = Symbol("skipped");

/** Builds the `ctx` an instance is created with (it needs the runtime's schedulers and actor client). */
export type ContextFactory = (slot: Slot, activation: Activation) => ActorContext;

export class Activations {
  private readonly slots = new Map<string, Slot>();
  private readonly idleMs = new Map<string, number>();

  constructor(
    private readonly scope: RuntimeScope,
    private readonly contextFor: ContextFactory,
  ) {
    for (const [type, registration] of scope.registry) {
      this.idleMs.set(type, parseDuration(registration.idleTimeout ?? scope.settings.idleTimeout));
    }
  }

  activeCount(): number {
    let count = 0;
    for (const slot of this.slots.values()) if (slot.activation) count++;
    return count;
  }

  isActive(type: string, id: string): boolean {
    return this.slots.get(actorKey(type, id))?.activation !== undefined;
  }

  slot(type: string, id: string, registration: AnyActorRegistration): Slot {
    const key = actorKey(type, id);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {
        key,
        type,
        id,
        registration,
        lock: new TurnLock(this.scope.settings.reentrancy),
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
  async turn<T>(
    slot: Slot,
    request: TurnRequest,
    work: (instance: Instance, activation: Activation) => Promise<T>,
  ): Promise<T | typeof SKIPPED> {
    await slot.lock.acquire(request.chainId, request.cancellation);
    try {
      if (this.scope.stopped && request.activate)
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

  /** Runs a timer or reminder callback as a turn of a new call chain; its errors are logged, never thrown. */
  async runCallback(
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
      this.scope.log.error(
        { actorType: slot.type, actorId: slot.id, [kind]: name, err: error },
        `${kind} callback failed`,
      );
      return undefined;
    }
  }

  /** Deactivates every active actor, each after its ongoing calls drained or `drainMs` passed. */
  async deactivateAll(drainMs: number): Promise<void> {
    await Promise.all(
      [...this.slots.values()].map((slot) => {
        clearTimeout(slot.idle);
        return slot.activation ? this.deactivate(slot, drainMs) : Promise.resolve();
      }),
    );
  }

  private async activate(slot: Slot, request: TurnRequest): Promise<Activation> {
    const activation: Activation = {
      instance: undefined as unknown as Instance,
      state: new ActivationState(this.scope.backend, slot.type, slot.id),
      timers: new Map(),
    };
    const instance = slot.registration.create(this.contextFor(slot, activation)) as Instance;
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
    if (this.scope.stopped) return;
    slot.lastUsed = Date.now();
    // One lazy timer per actor instead of re-arming on every call: it re-checks the last use when it fires.
    if (!slot.idle) this.armIdle(slot, slot.idleMs);
  }

  private armIdle(slot: Slot, delayMs: number): void {
    slot.idle = runOutsideCallContext(() => setTimeout(() => this.onIdleTimer(slot), delayMs).unref());
  }

  private onIdleTimer(slot: Slot): void {
    slot.idle = undefined;
    if (this.scope.stopped || slot.lock.busy || !slot.activation) return;
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
          clearTimers(activation);
          slot.activation = undefined;
          await instance.onDeactivate?.();
        },
      ),
    ).catch((error: unknown) => error);
    const log = this.scope.log;
    if (result instanceof Error && !(drain?.cancelled ?? false)) {
      log.warn({ actorType: slot.type, actorId: slot.id, err: result }, "onDeactivate failed");
    } else if (drain?.cancelled) {
      log.warn({ actorType: slot.type, actorId: slot.id }, "ongoing call did not drain; actor dropped");
      if (slot.activation) clearTimers(slot.activation);
      slot.activation = undefined;
    }
  }
}

function clearTimers(activation: Activation): void {
  for (const timer of activation.timers.values()) clearTimeout(timer.handle);
  activation.timers.clear();
}
