/**
 * The app side of Dapr's actor protocol as a fastify plugin (instead of @dapr/dapr's Express DaprServer):
 *
 *   GET    /dapr/config                              runtime config: entities, timeouts, reentrancy, per-type overrides
 *   PUT    /actors/:type/:id/method/:method          one method call: JSON object in, JSON out
 *   PUT    /actors/:type/:id/method/timer/:name      a timer fired      → onTimer(name, data)
 *   PUT    /actors/:type/:id/method/remind/:name     a reminder fired   → onReminder(name, data)
 *   DELETE /actors/:type/:id                         deactivation (an inactive actor answers 200)
 *
 * daprd owns turn-based concurrency and placement; this host owns activation, per-call state transactions
 * (core/turn.ts) and the call context. Answers (encoded by replies.ts):
 * - unknown type or method → 404 `{error:{code,message,status}}` naming both;
 * - a TroupeError (or an ActorCallError with a 4xx) → 200 + `X-DaprErrorResponseHeader` + `{error:{…}}`:
 *   daprd hands that header and body back to the caller unchanged, whose proxy rethrows a TroupeError;
 * - anything else → 500, logged once. Timer/reminder errors are logged and answered 200 (never a crash).
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ActorClient } from "@troupe/actor-interfaces";
import {
  CANCEL_SCHEDULE,
  defaultRuntimeSettings,
  type ActorContext,
  type ActorLifecycle,
  type ActorRegistration,
  type ActorRuntimeSettings,
} from "../api.ts";
import { ActivationState } from "../core/actor-state.ts";
import type { StateBackend } from "../core/state-backend.ts";
import { traceActorCall, traceScheduleFiring } from "../core/tracing.ts";
import { runTurn, turnStateManager } from "../core/turn.ts";
import { createDaprActorClient } from "./actor-client.ts";
import { HttpSidecarClient, type SidecarAddress } from "./http-sidecar.ts";
import { inboundContextFromHeaders, runWithInboundContext, type InboundContext } from "./inbound-context.ts";
import { methodInput, sendError, sendExpectedError, sendMethodFailure } from "./replies.ts";
import {
  cancelSchedule,
  firingData,
  sidecarScheduler,
  toDaprDuration,
  type ScheduleKind,
} from "./schedules.ts";
import type { SidecarClient } from "./sidecar-client.ts";
import { sidecarStateBackend } from "./sidecar-state.ts";

/** Settings as accepted by the host: any subset of the runtime settings, deep-merged over the defaults. */
export type DaprHostSettings = Partial<Omit<ActorRuntimeSettings, "reentrancy">> & {
  reentrancy?: Partial<ActorRuntimeSettings["reentrancy"]>;
  /** Dapr `drainRebalancedActors`. Default true. */
  drainRebalancedActors?: boolean;
};

export interface DaprActorHostOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of actor types
  registrations: readonly ActorRegistration<any>[];
  settings?: DaprHostSettings;
  /** Our sidecar client, or the address of daprd's HTTP port. */
  sidecar: SidecarClient | SidecarAddress;
  /** Also serve a health route at this path (off by default: services usually have their own /healthz). */
  healthPath?: string;
}

type Instance = Record<string, unknown> & ActorLifecycle;

interface Activation {
  readonly instance: Instance;
  readonly state: ActivationState;
}

interface Params {
  type: string;
  id: string;
  method?: string;
  name?: string;
}

export class DaprActorHost {
  readonly settings: ActorRuntimeSettings & { drainRebalancedActors: boolean };
  readonly sidecar: SidecarClient;
  private readonly backend: StateBackend;
  /** The client actors use for outgoing calls (carries the call context). */
  readonly actors: ActorClient;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see DaprActorHostOptions
  private readonly registry = new Map<string, ActorRegistration<any>>();
  private readonly activations = new Map<string, Map<string, Promise<Activation>>>();
  private log: FastifyBaseLogger | undefined;

  constructor(private readonly options: DaprActorHostOptions) {
    const s = options.settings ?? {};
    this.settings = {
      idleTimeout: toDaprDuration(s.idleTimeout ?? defaultRuntimeSettings.idleTimeout),
      drainOngoingCallTimeout: toDaprDuration(
        s.drainOngoingCallTimeout ?? defaultRuntimeSettings.drainOngoingCallTimeout,
      ),
      reentrancy: { ...defaultRuntimeSettings.reentrancy, ...s.reentrancy },
      callTimeoutMs: s.callTimeoutMs ?? defaultRuntimeSettings.callTimeoutMs,
      drainRebalancedActors: s.drainRebalancedActors ?? true,
    };
    for (const reg of options.registrations) {
      if (this.registry.has(reg.type.name)) throw new Error(`actor type ${reg.type.name} registered twice`);
      if (reg.idleTimeout !== undefined) toDaprDuration(reg.idleTimeout);
      this.registry.set(reg.type.name, reg);
      this.activations.set(reg.type.name, new Map());
    }
    this.sidecar =
      "invokeActor" in options.sidecar ? options.sidecar : new HttpSidecarClient(options.sidecar);
    this.backend = sidecarStateBackend(this.sidecar);
    this.actors = createDaprActorClient(this.sidecar, {
      callTimeoutMs: this.settings.callTimeoutMs,
      reentrancy: this.settings.reentrancy.enabled,
    });
  }

  /** The fastify plugin (encapsulated: its body parsing does not leak into the app). */
  readonly plugin = (app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void => {
    this.log = app.log;
    // daprd forwards the caller's body and content type verbatim; take every body as text and parse JSON here,
    // so an empty body or a missing content type is not a 4xx from fastify.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

    app.get("/dapr/config", (_req, reply) => reply.send(this.config()));
    if (this.options.healthPath)
      app.get(this.options.healthPath, (_req, reply) => reply.send({ status: "ok" }));
    app.put<{ Params: Params }>("/actors/:type/:id/method/:method", (req, reply) =>
      this.onMethod(req, reply),
    );
    app.put<{ Params: Params }>("/actors/:type/:id/method/timer/:name", (req, reply) =>
      this.onSchedule("timer", req, reply),
    );
    app.put<{ Params: Params }>("/actors/:type/:id/method/remind/:name", (req, reply) =>
      this.onSchedule("reminder", req, reply),
    );
    app.delete<{ Params: Params }>("/actors/:type/:id", (req, reply) => this.onDeactivate(req, reply));
    app.addHook("onClose", () => this.deactivateAll());
    done();
  };

  /** `GET /dapr/config`. Every per-type entry repeats the full settings: daprd does not inherit omitted fields. */
  config() {
    const s = this.settings;
    const base = {
      actorIdleTimeout: s.idleTimeout,
      drainOngoingCallTimeout: s.drainOngoingCallTimeout,
      drainRebalancedActors: s.drainRebalancedActors,
      reentrancy: { enabled: s.reentrancy.enabled, maxStackDepth: s.reentrancy.maxStackDepth },
    };
    return {
      entities: [...this.registry.keys()],
      ...base,
      entitiesConfig: [...this.registry.values()]
        .filter((r) => r.idleTimeout !== undefined)
        .map((r) => ({
          entities: [r.type.name],
          ...base,
          actorIdleTimeout: toDaprDuration(r.idleTimeout as string),
        })),
    };
  }

  /** Whether an activation of `type`/`id` is live in this process. */
  isActive(type: string, id: string): boolean {
    return this.activations.get(type)?.has(id) ?? false;
  }

  private async onMethod(req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
    const { type, id } = req.params;
    const method = req.params.method ?? "";
    const reg = this.registry.get(type);
    if (!reg) return this.unknownType(reply, type);
    if (!reg.type.methods.has(method)) {
      return sendError(reply, 404, "actor_method_not_found", `actor type ${type} has no method ${method}`);
    }
    const decoded = methodInput(req.body, type, method);
    if (!("input" in decoded)) return sendExpectedError(reply, decoded);
    const { input } = decoded;
    const call = inboundContextFromHeaders(req.headers);
    const span = { system: "dapr", type, id, method } as const;
    try {
      const result = await traceActorCall("server", span, () =>
        runWithInboundContext(call, async () => {
          const act = await this.activation(reg, id);
          const fn = act.instance[method];
          if (typeof fn !== "function") throw new Error(`actor ${type} does not implement ${method}`);
          return this.turn(act, call, () =>
            (fn as (i: unknown) => Promise<unknown>).call(act.instance, input),
          );
        }),
      );
      if (result === undefined) return reply.code(200).send();
      return reply.code(200).type("application/json").send(JSON.stringify(result));
    } catch (err) {
      return sendMethodFailure(reply, this.logger(), err, `${type}/${id}.${method}`);
    }
  }

  private async onSchedule(kind: ScheduleKind, req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
    const { type, id } = req.params;
    const name = req.params.name ?? "";
    const reg = this.registry.get(type);
    if (!reg) return this.unknownType(reply, type);
    const { data, scheduledBy } = firingData(req.body);
    const call = inboundContextFromHeaders(req.headers);
    const firing = { system: "dapr", kind, type, id, name, scheduledBy } as const;
    try {
      const result = await traceScheduleFiring(firing, () =>
        runWithInboundContext(call, async () => {
          const act = await this.activation(reg, id);
          const inst = act.instance;
          const handlerName = kind === "timer" ? "onTimer" : "onReminder";
          if (typeof inst[handlerName] !== "function") {
            this.logger().warn(
              { actorType: type, actorId: id, [kind]: name },
              `${kind} fired but the actor has no handler`,
            );
            return undefined;
          }
          return this.turn(act, call, async () =>
            kind === "timer" ? inst.onTimer?.(name, data) : inst.onReminder?.(name, data),
          );
        }),
      );
      if (result === CANCEL_SCHEDULE) {
        await cancelSchedule(this.sidecar, this.logger(), reply, { kind, type, id, name });
      }
    } catch (err) {
      this.logger().error({ err, actorType: type, actorId: id, [kind]: name }, `${kind} callback failed`);
    }
    return reply.code(200).send();
  }

  private async onDeactivate(req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
    const { type, id } = req.params;
    const deactivated = await this.deactivate(type, id, inboundContextFromHeaders(req.headers));
    return reply.code(200).send({ deactivated });
  }

  /**
   * Runs onDeactivate (as a turn, so its state changes commit) and forgets the activation. Never throws: a
   * failing hook is logged and the activation dropped anyway. An actor that is not active is a no-op.
   */
  async deactivate(type: string, id: string, call: InboundContext = {}): Promise<boolean> {
    const byId = this.activations.get(type);
    const pending = byId?.get(id);
    if (!byId || !pending) return false;
    try {
      const act = await pending;
      const inst = act.instance;
      if (inst.onDeactivate) {
        await runWithInboundContext(call, () => this.turn(act, call, async () => inst.onDeactivate?.()));
      }
    } catch (err) {
      this.logger().error(
        { err, actorType: type, actorId: id },
        "actor deactivation failed; dropping the activation anyway",
      );
    } finally {
      if (byId.get(id) === pending) byId.delete(id);
    }
    return true;
  }

  /** Deactivates every live actor (graceful shutdown: the plugin does this when fastify closes). */
  async deactivateAll(): Promise<void> {
    const all = [...this.activations].flatMap(([type, byId]) => [...byId.keys()].map((id) => ({ type, id })));
    await Promise.all(all.map(({ type, id }) => this.deactivate(type, id)));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see DaprActorHostOptions
  private activation(reg: ActorRegistration<any>, id: string): Promise<Activation> {
    const byId = this.activations.get(reg.type.name) as Map<string, Promise<Activation>>;
    const existing = byId.get(id);
    if (existing) return existing;
    const created = this.activate(reg, id).catch((err: unknown) => {
      if (byId.get(id) === created) byId.delete(id);
      throw err;
    });
    byId.set(id, created);
    return created;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see DaprActorHostOptions
  private async activate(reg: ActorRegistration<any>, id: string): Promise<Activation> {
    const type = reg.type.name;
    const ctx: ActorContext = {
      type,
      id,
      state: turnStateManager(type, id),
      timers: sidecarScheduler(this.sidecar, "timer", type, id),
      reminders: sidecarScheduler(this.sidecar, "reminder", type, id),
      actors: this.actors,
      log: this.logger().child({ actorType: type, actorId: id }),
    };
    const instance = reg.create(ctx) as Instance;
    const act: Activation = { instance, state: new ActivationState(this.backend, type, id) };
    if (instance.onActivate) await this.turn(act, {}, async () => instance.onActivate?.());
    return act;
  }

  /** One turn of `act`, in the call chain of the inbound request (its reentrancy id, if any). */
  private turn<T>(act: Activation, call: InboundContext, work: () => Promise<T>): Promise<T> {
    return runTurn(act.state, { chainId: call.reentrancyId ?? "", depth: 0 }, work);
  }

  private unknownType(reply: FastifyReply, type: string) {
    const hosted = [...this.registry.keys()].join(", ") || "none";
    return sendError(
      reply,
      404,
      "actor_type_not_found",
      `actor type ${type} is not hosted here (hosted: ${hosted})`,
    );
  }

  private logger(): FastifyBaseLogger {
    if (!this.log) throw new Error("daprActorHost plugin is not registered on a fastify instance");
    return this.log;
  }
}

/** `app.register(daprActorHost({ registrations, settings, sidecar }))`; the plugin's `.host` exposes the host. */
export function daprActorHost(options: DaprActorHostOptions) {
  const host = new DaprActorHost(options);
  return Object.assign(host.plugin, { host });
}
