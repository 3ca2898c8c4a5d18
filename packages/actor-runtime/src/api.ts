/**
 * The host-side API every actor is written against. Both runtimes (the Dapr actor host and the embedded
 * runtime) implement it with the same semantics:
 *
 * - Turn-based: one call at a time per actor id, FIFO, except reentrant calls of the same call chain.
 * - Per-call state: `state.set`/`delete` are buffered and committed in one transaction when the method
 *   returns; discarded when it throws. `flush()` commits early (e.g. before publishing an event).
 * - Timers live as long as the activation; reminders are durable and survive deactivation and restarts.
 * - Timer and reminder callbacks run as turns too; their errors are logged and never crash the process.
 */
import type { ActorClient, ActorType, Json } from "@troupe/actor-interfaces";

export interface ActorStateManager {
  get<T extends Json>(key: string): Promise<T | undefined>;
  set<T extends Json>(key: string, value: T): void;
  delete(key: string): void;
  /** Commits the changes buffered so far in this call, in one transaction. */
  flush(): Promise<void>;
}

export interface ScheduleOptions<D extends Json = Json> {
  /** Go duration ("5s", "1m30s") or milliseconds. */
  dueTime: string | number;
  /** Repeat interval; omitted fires once. */
  period?: string | number;
  data?: D;
}

export interface ActorScheduler {
  set<D extends Json>(name: string, options: ScheduleOptions<D>): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface ActorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ActorContext {
  readonly type: string;
  readonly id: string;
  readonly state: ActorStateManager;
  /** Volatile: lost on deactivation. Fire `onTimer`. */
  readonly timers: ActorScheduler;
  /** Durable: survive deactivation and restarts. Fire `onReminder`. */
  readonly reminders: ActorScheduler;
  /** Calls other actors; carries the reentrancy chain and trace context of the current call. */
  readonly actors: ActorClient;
  readonly log: ActorLogger;
}

/** Returned by a timer or reminder callback to stop a recurring schedule from inside. */
export const CANCEL_SCHEDULE = Symbol("cancel-schedule");
export type ScheduleResult = void | typeof CANCEL_SCHEDULE;

/** Optional lifecycle members an actor instance may implement besides its methods. */
export interface ActorLifecycle {
  onActivate?(): Promise<void>;
  onDeactivate?(): Promise<void>;
  onTimer?(name: string, data: Json | undefined): Promise<ScheduleResult>;
  onReminder?(name: string, data: Json | undefined): Promise<ScheduleResult>;
}

export type ActorInstance<S> = { [K in keyof S]: S[K] } & ActorLifecycle;

export type ActorFactory<S> = (ctx: ActorContext) => ActorInstance<S>;

export interface ActorRegistration<S = unknown> {
  type: ActorType<S>;
  create: ActorFactory<S>;
  /** Per-type override of the idle timeout (Dapr `entitiesConfig`). */
  idleTimeout?: string;
}

export function registration<S>(
  type: ActorType<S>,
  create: ActorFactory<S>,
  options: { idleTimeout?: string } = {},
): ActorRegistration<S> {
  return { type, create, ...options };
}

export interface ActorRuntimeSettings {
  /** Dapr `actorIdleTimeout`: deactivate after this long without calls. Default "60m". */
  idleTimeout: string;
  /** Dapr `drainOngoingCallTimeout`. Default "30s". */
  drainOngoingCallTimeout: string;
  reentrancy: { enabled: boolean; maxStackDepth: number };
  /** Milliseconds a proxy waits for an actor call. Default 60000. */
  callTimeoutMs: number;
}

export const defaultRuntimeSettings: ActorRuntimeSettings = {
  idleTimeout: "60m",
  drainOngoingCallTimeout: "30s",
  reentrancy: { enabled: true, maxStackDepth: 32 },
  callTimeoutMs: 60_000,
};

/** A CloudEvents 1.0 envelope as carried on pub/sub. */
export interface CloudEvent<D = Json> {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  datacontenttype?: string;
  time?: string;
  subject?: string;
  data: D;
  traceparent?: string;
  tracestate?: string;
  topic?: string;
  pubsubname?: string;
}

/** Dapr's subscriber answers. */
export type DeliveryStatus = "SUCCESS" | "RETRY" | "DROP";

export interface EventPublisher {
  /** Resolves once the broker accepted the event; rejects otherwise (never swallows a failure). */
  publish(topic: string, event: { type: string; data: Json; id?: string; subject?: string }): Promise<void>;
}

export interface ServiceInvoker {
  /** Calls `method` (a path) on the app `appId`; rejects with a TroupeError-compatible error on non-2xx. */
  invoke<T extends Json>(
    appId: string,
    method: string,
    request?: {
      httpMethod?: "GET" | "POST" | "PUT" | "DELETE";
      body?: Json;
      headers?: Record<string, string>;
      timeoutMs?: number;
    },
  ): Promise<T>;
}

export interface SecretReader {
  /**
   * One value of secret `name`: its `key` (default: the key named like the secret, as local.env answers),
   * e.g. get("troupe-secrets", "OPENAI_API_KEY") on the Kubernetes store.
   */
  get(name: string, key?: string): Promise<string | undefined>;
}

/** What a service needs from the platform, in either runtime. */
export interface Platform {
  readonly actors: ActorClient;
  readonly events: EventPublisher;
  readonly services: ServiceInvoker;
  readonly secrets: SecretReader;
}
