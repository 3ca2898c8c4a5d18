/**
 * The `Platform` bundle over a Dapr sidecar: actors (the typed proxy), events (CloudEvents publish),
 * services (service invocation) and secrets. Every outgoing call carries the current call context
 * (reentrancy id for actor calls, trace context for all).
 */
import { randomUUID } from "node:crypto";
import {
  PUBSUB_NAME,
  SECRET_STORE_NAME,
  TroupeError,
  isErrorBody,
  type Json,
} from "@troupe/actor-interfaces";
import type { CloudEvent, EventPublisher, Platform, SecretReader, ServiceInvoker } from "../api.ts";
import { createDaprActorClient } from "./actor-client.ts";
import { parseJsonOrText } from "../core/json.ts";
import { tracePublish, traceServiceCall } from "../core/tracing.ts";
import { currentInboundContext, outgoingHeaders } from "./inbound-context.ts";
import { CLOUDEVENTS_CONTENT_TYPE } from "./cloudevents.ts";
import { HttpSidecarClient, type SidecarAddress } from "./http-sidecar.ts";
import type { SidecarClient, SidecarResponse } from "./sidecar-client.ts";

export interface DaprPlatformOptions extends Partial<SidecarAddress> {
  /** Default PUBSUB_NAME ("pubsub"). */
  pubsubName?: string;
  /** Default SECRET_STORE_NAME ("secretstore"). */
  secretStoreName?: string;
  /** CloudEvent `source` of published events, e.g. the app id. Default "troupe". */
  source?: string;
  /** Default actor call timeout (ms). Default 60000. */
  callTimeoutMs?: number;
  /** Default service invocation timeout (ms). Default 60000. */
  invokeTimeoutMs?: number;
  reentrancy?: boolean;
  /** Use this client instead of HTTP to daprd (tests). */
  sidecar?: SidecarClient;
}

export function createDaprPlatform(options: DaprPlatformOptions): Platform {
  const sidecar =
    options.sidecar ?? new HttpSidecarClient({ ...options, daprHttpPort: requirePort(options.daprHttpPort) });
  const actors = createDaprActorClient(sidecar, {
    ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
    ...(options.reentrancy !== undefined ? { reentrancy: options.reentrancy } : {}),
  });
  return Object.freeze({
    actors,
    events: createEventPublisher(sidecar, options.pubsubName ?? PUBSUB_NAME, options.source ?? "troupe"),
    services: createServiceInvoker(sidecar, options.invokeTimeoutMs ?? 60_000),
    secrets: createSecretReader(sidecar, options.secretStoreName ?? SECRET_STORE_NAME),
  });
}

function requirePort(port: number | undefined): number {
  if (port === undefined || !Number.isInteger(port) || port <= 0)
    throw new Error("createDaprPlatform: daprHttpPort is required");
  return port;
}

export function createEventPublisher(sidecar: SidecarClient, pubsub: string, source: string): EventPublisher {
  return {
    publish: (topic, event) =>
      // PRODUCER span: daprd's publish span (and the CloudEvent's traceparent) become its children.
      tracePublish("dapr", topic, event, () => publishTraced(topic, event)),
  };

  async function publishTraced(topic: string, event: Parameters<EventPublisher["publish"]>[1]) {
    const call = currentInboundContext();
    const headers = traceHeaders();
    const envelope: CloudEvent = {
      specversion: "1.0",
      id: event.id ?? randomUUID(),
      source,
      type: event.type,
      datacontenttype: "application/json",
      time: new Date().toISOString(),
      data: event.data,
      ...(event.subject !== undefined ? { subject: event.subject } : {}),
    };
    const traceparent = headers.traceparent ?? call?.traceparent;
    const tracestate = headers.tracestate ?? call?.tracestate;
    if (traceparent) envelope.traceparent = traceparent;
    if (tracestate) envelope.tracestate = tracestate;
    await sidecar.publish(pubsub, topic, JSON.stringify(envelope), {
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      headers,
    });
  }
}

export function createServiceInvoker(sidecar: SidecarClient, defaultTimeoutMs: number): ServiceInvoker {
  return {
    async invoke<T extends Json>(
      appId: string,
      method: string,
      request: Parameters<ServiceInvoker["invoke"]>[2] = {},
    ) {
      const httpMethod = request.httpMethod ?? (request.body === undefined ? "GET" : "POST");
      const timeoutMs = request.timeoutMs ?? defaultTimeoutMs;
      let res: SidecarResponse;
      try {
        res = await traceServiceCall("dapr", { appId, method, httpMethod }, () =>
          sidecar.invokeService(appId, method, {
            method: httpMethod,
            ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
            headers: { ...traceHeaders(), ...request.headers },
            signal: AbortSignal.timeout(timeoutMs),
          }),
        );
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        throw new TroupeError(
          timedOut ? "service_timeout" : "service_unreachable",
          `${appId} ${httpMethod} ${method}: ${timedOut ? `no answer within ${timeoutMs} ms` : (err as Error).message}`,
          timedOut ? 504 : 503,
        );
      }
      const body = parseJsonOrText(res.body);
      if (res.status >= 200 && res.status < 300) return body as T;
      throw serviceError(appId, httpMethod, method, res.status, body, res.body);
    },
  };
}

/** The callee's `{error:{code,message}}` (our services) or daprd's `{errorCode,message}` become a TroupeError. */
function serviceError(
  appId: string,
  httpMethod: string,
  path: string,
  status: number,
  body: unknown,
  raw: string,
): TroupeError {
  const err = (body as { error?: unknown } | undefined)?.error as
    Partial<{ code: unknown; message: unknown }> | undefined;
  if (err && typeof err.code === "string" && typeof err.message === "string") {
    return new TroupeError(err.code, err.message, isErrorBody(err) ? err.status : status);
  }
  const dapr = body as { errorCode?: unknown; message?: unknown } | undefined;
  if (dapr && typeof dapr.errorCode === "string" && typeof dapr.message === "string") {
    return new TroupeError(dapr.errorCode, `${appId} ${httpMethod} ${path}: ${dapr.message}`, status);
  }
  return new TroupeError(
    "service_call_failed",
    `${appId} ${httpMethod} ${path} answered ${status}: ${raw.slice(0, 300)}`,
    status,
  );
}

export function createSecretReader(sidecar: SidecarClient, store: string): SecretReader {
  return {
    async get(name, key) {
      const values = await sidecar.getSecret(store, name);
      if (!values) return undefined;
      const value = key === undefined ? (values[name] ?? Object.values(values)[0]) : values[key];
      // The local.env store answers a missing variable with "" rather than an error: treat empty as absent.
      return value === "" ? undefined : value;
    },
  };
}

/** Trace headers only (the reentrancy id is meaningful for actor calls, not for pub/sub or invocation). */
function traceHeaders(): Record<string, string> {
  const h = outgoingHeaders({ reentrancy: false });
  return h;
}
