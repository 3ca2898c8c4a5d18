/**
 * Actor calls in the embedded runtime: the typed proxies, one call's deadline and cancellation, and what
 * its caller gets when it fails (the same rule the Dapr host applies: `expectedErrorBody`).
 */
import { ActorCallError, TroupeError, expectedErrorBody } from "@troupe/actor-interfaces";
import type { ActorClient, ActorProxy, ActorType, CallOptions } from "@troupe/actor-interfaces";
import { currentCallContext, newChainId } from "../core/call-context.ts";
import { Cancellation } from "../core/cancel.ts";
import { wireCopy } from "../core/json.ts";
import { traceActorCall } from "../core/tracing.ts";
import { StackDepthError } from "../core/turn-lock.ts";
import { RPC_SYSTEM, type Activations, type RuntimeScope, type TurnRequest } from "./activations.ts";

export class Invocation {
  /** Calls actors; inside an actor call it carries the call chain (reentrancy) automatically. */
  readonly client: ActorClient = { actor: (type, id) => this.proxy(type, id) };

  constructor(
    private readonly scope: RuntimeScope,
    private readonly activations: Activations,
  ) {}

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

  private proxy<S>(type: ActorType<S>, id: string): ActorProxy<S> {
    const proxy: Record<string, (input?: unknown, options?: CallOptions) => Promise<unknown>> = {};
    for (const method of type.methods) {
      proxy[method] = (input, options) => this.invoke(type.name, id, method, input, options);
    }
    return Object.freeze(proxy) as ActorProxy<S>;
  }

  private async invokeUntraced(
    type: string,
    id: string,
    method: string,
    input: unknown,
    options: CallOptions,
  ): Promise<unknown> {
    const registration = this.scope.registry.get(type);
    const refuse = (status: number, detail: string, code: string) =>
      new ActorCallError(type, id, method, status, detail, code);
    if (!registration) throw refuse(404, `actor type ${type} is not registered`, "actor_type_not_found");
    if (!registration.type.methods.has(method)) {
      throw refuse(404, `actor type ${type} has no method ${method}`, "actor_method_not_found");
    }
    if (this.scope.stopped) throw refuse(503, "the actor runtime is stopped", "actor_runtime_stopped");
    const parent = currentCallContext();
    const timeoutMs = options.timeoutMs ?? this.scope.settings.callTimeoutMs;
    const abort = new Cancellation();
    const request: TurnRequest = {
      chainId: parent?.chainId ?? newChainId(),
      depth: (parent?.depth ?? 0) + 1,
      cancellation: abort,
      activate: true,
    };
    const payload = wireCopy(input ?? {});
    const slot = this.activations.slot(type, id, registration);
    const call = this.activations.turn(slot, request, (instance) =>
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
        this.scope.log.error({ actorType: type, actorId: id, method, err: error }, "actor call failed");
      }
      throw error;
    });
    const timeout = () => refuse(504, `no answer within ${timeoutMs}ms`, "actor_call_timeout");
    return await withDeadline(logged, abort, timeoutMs, options.signal, timeout).catch((error: unknown) => {
      throw toCallerError(type, id, method, error);
    });
  }
}

/**
 * What the caller of `type/id.method` gets, as a Dapr caller would: what this runtime raised about this
 * call (unknown method, stopped, timeout) as is; an expected failure of the method as a TroupeError
 * (an ActorCallError 4xx from a call the method made included); anything else as an ActorCallError 500.
 */
function toCallerError(type: string, id: string, method: string, error: unknown): Error {
  if (error instanceof ActorCallError && error.actorType === type && error.actorId === id) return error;
  const expected = expectedErrorBody(error);
  if (expected) return TroupeError.fromBody(expected);
  if (error instanceof StackDepthError)
    return new ActorCallError(type, id, method, 500, error.message, "actor_reentrancy_depth");
  const detail = error instanceof Error ? error.message : String(error);
  return new ActorCallError(type, id, method, 500, detail);
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
