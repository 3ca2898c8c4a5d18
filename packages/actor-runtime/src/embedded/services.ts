import { TroupeError, isErrorBody, type Json } from "@troupe/actor-interfaces";
import type { SecretReader, ServiceInvoker } from "../api.ts";
import { runOutsideCallContext } from "../core/call-context.ts";
import { wireCopy } from "../core/json.ts";
import { activeTraceHeaders, traceServiceCall } from "../core/tracing.ts";

/** One service-invocation request as an app receives it (Dapr forwards method, verb, body and headers). */
export interface ServiceRequest {
  /** The path on the target app, without a leading slash (Dapr's `/v1.0/invoke/<app>/method/<method>`). */
  method: string;
  httpMethod: "GET" | "POST" | "PUT" | "DELETE";
  body?: Json;
  headers: Record<string, string>;
}

export interface ServiceResponse {
  status: number;
  body?: unknown;
}

/** Answers invocations for one app id (the embedded launcher backs it with `fastify.inject`). */
export type ServiceHandler = (request: ServiceRequest) => Promise<ServiceResponse>;

/** A non-2xx, non-4xx answer (or no answer) from an invoked app: unexpected, so not a TroupeError. */
export class ServiceInvocationError extends Error {
  override readonly name = "ServiceInvocationError";
  constructor(
    readonly appId: string,
    readonly method: string,
    readonly status: number,
    detail: string,
  ) {
    super(`invoke ${appId}/${method} failed (${status}): ${detail}`);
  }
}

/**
 * Service invocation between apps of one process. Contract (as on Dapr): 2xx resolves with the body; 4xx
 * rejects with a TroupeError carrying the body's code and message; anything else rejects with a
 * ServiceInvocationError. Bodies cross as JSON copies.
 */
export function createEmbeddedServiceInvoker(
  apps: ReadonlyMap<string, ServiceHandler> | Record<string, ServiceHandler>,
): ServiceInvoker {
  const handlers: ReadonlyMap<string, ServiceHandler> =
    apps instanceof Map ? (apps as ReadonlyMap<string, ServiceHandler>) : new Map(Object.entries(apps));
  return {
    async invoke<T extends Json>(
      appId: string,
      method: string,
      request: Parameters<ServiceInvoker["invoke"]>[2] = {},
    ) {
      const handler = handlers.get(appId);
      const path = method.replace(/^\/+/, "");
      if (!handler) throw new ServiceInvocationError(appId, path, 500, `no app with id ${appId} is running`);
      const httpMethod = request.httpMethod ?? (request.body === undefined ? "GET" : "POST");
      // A service call is a new request: the caller's actor call chain (reentrancy id) does not travel; the
      // trace context does (the CLIENT span's traceparent, continued by the callee's SERVER span).
      const response: ServiceResponse = await traceServiceCall(
        "troupe-embedded",
        { appId, method: path, httpMethod },
        () => {
          const call: Promise<ServiceResponse> = runOutsideCallContext(() =>
            handler({
              method: path,
              httpMethod,
              headers: { ...activeTraceHeaders(), ...request.headers },
              ...(request.body !== undefined ? { body: wireCopy(request.body) } : {}),
            }),
          );
          return withTimeout(
            call,
            request.timeoutMs,
            () => new ServiceInvocationError(appId, path, 504, `no answer within ${request.timeoutMs}ms`),
          );
        },
      );
      if (response.status >= 200 && response.status < 300) return wireCopy(response.body) as T;
      if (response.status >= 400 && response.status < 500) throw toTroupeError(response);
      throw new ServiceInvocationError(appId, path, response.status, describe(response.body));
    },
  };
}

function toTroupeError(response: ServiceResponse): TroupeError {
  const body = response.body as { error?: unknown } | undefined;
  const inner = body?.error;
  if (isErrorBody(inner)) return TroupeError.fromBody({ ...inner, status: response.status });
  if (isErrorBody(body)) return TroupeError.fromBody({ ...body, status: response.status });
  return new TroupeError(`http_${response.status}`, describe(response.body), response.status);
}

function describe(body: unknown): string {
  if (typeof body === "string") return body;
  const message = (body as { message?: unknown } | undefined)?.message;
  if (typeof message === "string") return message;
  return JSON.stringify(body) ?? "no body";
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number | undefined, onTimeout: () => Error): Promise<T> {
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Secrets from an env-like map (the embedded stand-in for a Dapr secret store). */
export function createEnvSecretReader(values: Readonly<Record<string, string | undefined>>): SecretReader {
  const copy = { ...values };
  // An env map has one value per name; a `key` names the variable when the secret groups several.
  return { get: (name, key) => Promise.resolve(copy[key ?? name]) };
}
