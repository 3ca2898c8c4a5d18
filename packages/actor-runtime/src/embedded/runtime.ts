import type { ActorClient, CallOptions } from "@troupe/actor-interfaces";
import {
  defaultRuntimeSettings,
  type ActorContext,
  type ActorLogger,
  type ActorRuntimeSettings,
} from "../api.ts";
import { parseDuration } from "../core/duration.ts";
import { createMemoryBackend } from "../core/memory-backend.ts";
import type { StateBackend } from "../core/state-backend.ts";
import { turnStateManager } from "../core/turn.ts";
import {
  Activations,
  type Activation,
  type AnyActorRegistration,
  type RuntimeScope,
  type Slot,
} from "./activations.ts";
import { Invocation } from "./invocation.ts";
import { childLogger, createStderrLogger } from "./logger.ts";
import { Reminders, Timers } from "./schedules.ts";

export type { AnyActorRegistration } from "./activations.ts";

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

/**
 * Starts an embedded runtime: registers the actor types and re-arms the reminders stored in `state`
 * (so reminders survive a restart when the backend is durable).
 */
export async function createEmbeddedRuntime(options: EmbeddedRuntimeOptions): Promise<EmbeddedRuntime> {
  const runtime = new Runtime(options);
  await runtime.reminders.rearm();
  return runtime;
}

class Runtime implements EmbeddedRuntime, RuntimeScope {
  readonly settings: ActorRuntimeSettings;
  readonly registry = new Map<string, AnyActorRegistration>();
  readonly backend: StateBackend;
  readonly log: ActorLogger;
  stopped = false;
  readonly actors: ActorClient;
  readonly reminders: Reminders;
  private readonly activations: Activations;
  private readonly timers: Timers;
  private readonly invocation: Invocation;
  private readonly ownsBackend: boolean;

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
    }
    this.backend = options.state ?? createMemoryBackend();
    this.ownsBackend = options.state === undefined;
    this.log = options.log ?? createStderrLogger();
    this.activations = new Activations(this, (slot, activation) => this.context(slot, activation));
    this.timers = new Timers(this, this.activations);
    this.reminders = new Reminders(this, this.activations);
    this.invocation = new Invocation(this, this.activations);
    this.actors = this.invocation.client;
  }

  invoke(type: string, id: string, method: string, input?: unknown, options?: CallOptions): Promise<unknown> {
    return this.invocation.invoke(type, id, method, input, options);
  }

  activeCount(): number {
    return this.activations.activeCount();
  }

  isActive(type: string, id: string): boolean {
    return this.activations.isActive(type, id);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.reminders.disarmAll();
    await this.activations.deactivateAll(parseDuration(this.settings.drainOngoingCallTimeout));
    if (this.ownsBackend) await this.backend.close();
  }

  private context(slot: Slot, activation: Activation): ActorContext {
    return Object.freeze({
      type: slot.type,
      id: slot.id,
      state: turnStateManager(slot.type, slot.id),
      timers: this.timers.scheduler(slot, activation),
      reminders: this.reminders.scheduler(slot),
      actors: this.actors,
      log: childLogger(this.log, { actorType: slot.type, actorId: slot.id }),
    });
  }
}
