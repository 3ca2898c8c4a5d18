/**
 * The typed actor proxy over the sidecar: `client.actor(ChatAgent, id).ProcessMessage({...})` becomes
 * `PUT /v1.0/actors/ChatAgent/{id}/method/ProcessMessage` with the JSON input as body.
 *
 * A proxy is a frozen plain object holding exactly the type's methods: it has no `then`, so returning it
 * from an async function or awaiting it cannot turn into a remote call (the @dapr/dapr proxy hangs there),
 * and a name outside the type's method set is a type error and, at runtime, simply not a function.
 *
 * Every call forwards the current call context (reentrancy id, trace context) — see inbound-context.ts.
 */
import {
  ActorCallError,
  TroupeError,
  isErrorBody,
  type ActorClient,
  type ActorProxy,
  type ActorType,
  type CallOptions,
} from "@troupe/actor-interfaces";
import { parseJsonOrText } from "../core/json.ts";
import { traceActorCall } from "../core/tracing.ts";
import { outgoingHeaders } from "./inbound-context.ts";
import type { SidecarClient, SidecarResponse } from "./sidecar-client.ts";

/** Header an actor host sets on a 200 answer that carries an expected (typed) error; daprd passes it back. */
export const ERROR_RESPONSE_HEADER = "x-daprerrorresponseheader";

export interface DaprActorClientOptions {
  /** Default per-call timeout in milliseconds. Default 60000. */
  callTimeoutMs?: number;
  /** Forward `Dapr-Reentrancy-Id` (default true). */
  reentrancy?: boolean;
}

export function createDaprActorClient(
  sidecar: SidecarClient,
  options: DaprActorClientOptions = {},
): ActorClient {
  const defaultTimeout = options.callTimeoutMs ?? 60_000;
  const call = async (type: string, id: string, method: string, input: unknown, opts: CallOptions = {}) => {
    const timeoutMs = opts.timeoutMs ?? defaultTimeout;
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (opts.signal) signals.push(opts.signal);
    let res: SidecarResponse;
    try {
      res = await sidecar.invokeActor(type, id, method, JSON.stringify(input ?? {}), {
        headers: outgoingHeaders({ reentrancy: options.reentrancy !== false }),
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      if (opts.signal?.aborted)
        throw new ActorCallError(type, id, method, 499, "aborted by the caller", "actor_call_aborted");
      if (isAbort(err))
        throw new ActorCallError(
          type,
          id,
          method,
          504,
          `no answer within ${timeoutMs} ms`,
          "actor_call_timeout",
        );
      throw new ActorCallError(
        type,
        id,
        method,
        503,
        `sidecar unreachable: ${describe(err)}`,
        "sidecar_unreachable",
      );
    }
    return decodeActorResponse(type, id, method, res);
  };

  return {
    actor<S>(type: ActorType<S>, id: string): ActorProxy<S> {
      if (typeof id !== "string" || id === "")
        throw new TypeError(`actor id for ${type.name} must be a non-empty string`);
      const proxy: Record<string, (input?: unknown, opts?: CallOptions) => Promise<unknown>> = {};
      for (const method of type.methods) {
        if (method === "then")
          throw new TypeError(`actor type ${type.name} may not declare a method named "then"`);
        proxy[method] = (input?: unknown, opts?: CallOptions) =>
          traceActorCall("client", { system: "dapr", type: type.name, id, method }, () =>
            call(type.name, id, method, input, opts),
          );
      }
      return Object.freeze(proxy) as unknown as ActorProxy<S>;
    },
  };
}

/**
 * Turns daprd's answer into a result or a typed error:
 * - 200 with the error header → the actor's TroupeError (code, message, status);
 * - 200 → the JSON result (an empty body is `undefined`);
 * - daprd's "actor method not found" (it maps the app's 404 to a 500 ERR_ACTOR_INVOKE_METHOD) → status 404;
 * - daprd's "did not find address for actor" (no host registered the type) → status 404;
 * - anything else → ActorCallError with daprd's status and message.
 */
export function decodeActorResponse(type: string, id: string, method: string, res: SidecarResponse): unknown {
  const parsed = parseJsonOrText(res.body);
  if (res.status >= 200 && res.status < 300) {
    if (res.headers[ERROR_RESPONSE_HEADER] !== undefined) {
      const body = (parsed as { error?: unknown } | undefined)?.error;
      if (isErrorBody(body)) throw TroupeError.fromBody(body);
      throw new ActorCallError(type, id, method, 500, `actor failed: ${res.body.slice(0, 500)}`);
    }
    return res.body === "" ? undefined : parsed;
  }
  const own = (parsed as { error?: unknown } | undefined)?.error;
  if (isErrorBody(own))
    return fail(type, id, method, own.status === 404 ? 404 : res.status, own.message, own.code);
  const dapr = parsed as { errorCode?: string; message?: string } | undefined;
  const message = typeof dapr?.message === "string" ? dapr.message : res.body.slice(0, 500);
  if (/actor method not found/i.test(message)) {
    return fail(
      type,
      id,
      method,
      404,
      `actor type ${type} has no method ${method}`,
      "actor_method_not_found",
    );
  }
  if (/did not find address for actor/i.test(message)) {
    // Placement knows no host for the type (daprd waits ~5 s for one, then answers 500 FailedPrecondition).
    return fail(
      type,
      id,
      method,
      404,
      `no host serves actor type ${type} (${message})`,
      "actor_type_not_hosted",
    );
  }
  const code = typeof dapr?.errorCode === "string" ? dapr.errorCode : "actor_call_failed";
  return fail(type, id, method, res.status, message, code);
}

function fail(type: string, id: string, method: string, status: number, detail: string, code: string): never {
  throw new ActorCallError(type, id, method, status, detail, code);
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError");
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
