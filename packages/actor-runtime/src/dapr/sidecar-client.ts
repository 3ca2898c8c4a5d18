/**
 * Our own interface to the Dapr sidecar's HTTP API: exactly the calls the actor host, the actor proxy and
 * the platform bundle make. `HttpSidecarClient` implements it with fetch; unit tests fake it (never daprd).
 */
import type { Json } from "@troupe/actor-interfaces";

/** A raw HTTP answer, for calls whose status and headers carry meaning (actor and service invocation). */
export interface SidecarResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

export interface SidecarRequestInit {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export type DaprStateOperation =
  | { operation: "upsert"; request: { key: string; value: Json } }
  | { operation: "delete"; request: { key: string } };

export interface ScheduleRequest {
  /** Go or ISO 8601 duration. */
  dueTime: string;
  period?: string;
  data?: Json;
}

export interface SidecarClient {
  /** `PUT /v1.0/actors/{type}/{id}/method/{method}`; answers whatever daprd answered (never throws on status). */
  invokeActor(
    type: string,
    id: string,
    method: string,
    body: string,
    init?: SidecarRequestInit,
  ): Promise<SidecarResponse>;
  /** `GET /v1.0/actors/{type}/{id}/state/{key}`; undefined when the key is missing (204). */
  getActorState(type: string, id: string, key: string): Promise<Json | undefined>;
  /** `POST /v1.0/actors/{type}/{id}/state`: one transaction. */
  transactActorState(type: string, id: string, operations: DaprStateOperation[]): Promise<void>;
  setActorTimer(
    type: string,
    id: string,
    name: string,
    request: ScheduleRequest & { callback: string },
  ): Promise<void>;
  deleteActorTimer(type: string, id: string, name: string): Promise<void>;
  setActorReminder(type: string, id: string, name: string, request: ScheduleRequest): Promise<void>;
  deleteActorReminder(type: string, id: string, name: string): Promise<void>;
  /** `POST /v1.0/publish/{pubsub}/{topic}` with a body already serialised; rejects on any non-2xx. */
  publish(
    pubsub: string,
    topic: string,
    body: string,
    init: SidecarRequestInit & { contentType: string },
  ): Promise<void>;
  /** `/v1.0/invoke/{appId}/method/{path}`; answers whatever daprd answered. */
  invokeService(
    appId: string,
    path: string,
    request: SidecarRequestInit & { method: string; body?: string },
  ): Promise<SidecarResponse>;
  /** `GET /v1.0/secrets/{store}/{name}`: the key/value map, or undefined when the secret does not exist. */
  getSecret(store: string, name: string): Promise<Record<string, string> | undefined>;
}

/** A sidecar API call that failed for a reason other than the app's own answer. */
export class SidecarError extends Error {
  override readonly name = "SidecarError";
  constructor(
    readonly operation: string,
    readonly status: number,
    detail: string,
  ) {
    super(`dapr sidecar ${operation} failed (${status}): ${detail}`);
  }
}
