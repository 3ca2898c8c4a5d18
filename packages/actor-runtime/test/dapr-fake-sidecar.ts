/**
 * A fake of OUR sidecar-client interface (not of daprd): actor state in memory, recorded transactions,
 * timers and reminders, and actor calls routed back into a fastify app with `inject()` — enough to drive
 * the host and the proxy without any Dapr process.
 */
import type { FastifyInstance } from "fastify";
import type { Json } from "@troupe/actor-interfaces";
import type {
  DaprStateOperation,
  ScheduleRequest,
  SidecarClient,
  SidecarRequestInit,
  SidecarResponse,
} from "../src/dapr/sidecar-client.ts";

export interface RecordedActorCall {
  type: string;
  id: string;
  method: string;
  body: string;
  headers: Record<string, string>;
}

export class FakeSidecar implements SidecarClient {
  readonly state = new Map<string, Map<string, string>>();
  readonly transactions: { type: string; id: string; operations: DaprStateOperation[] }[] = [];
  readonly stateReads: { type: string; id: string; key: string }[] = [];
  readonly timers = new Map<string, ScheduleRequest & { callback: string }>();
  readonly reminders = new Map<string, ScheduleRequest>();
  readonly actorCalls: RecordedActorCall[] = [];
  readonly published: {
    pubsub: string;
    topic: string;
    body: string;
    contentType: string;
    headers: Record<string, string>;
  }[] = [];
  readonly invocations: {
    appId: string;
    path: string;
    method: string;
    body?: string;
    headers: Record<string, string>;
  }[] = [];
  /** Where actor calls go; set to the app under test. */
  app: FastifyInstance | undefined;
  /** Overrides actor call answers (e.g. to play daprd's error shapes). */
  answerActor: ((call: RecordedActorCall, signal?: AbortSignal) => Promise<SidecarResponse>) | undefined;
  answerService: ((path: string) => SidecarResponse) | undefined;
  failPublish = false;
  failNextTransaction = false;
  secrets: Record<string, Record<string, string>> = {};

  private static scope(type: string, id: string): string {
    return `${type}||${id}`;
  }

  stored(type: string, id: string, key: string): Json | undefined {
    const text = this.state.get(FakeSidecar.scope(type, id))?.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as Json);
  }

  async invokeActor(type: string, id: string, method: string, body: string, init: SidecarRequestInit = {}) {
    const call = { type, id, method, body, headers: { ...init.headers } };
    this.actorCalls.push(call);
    if (this.answerActor) return this.answerActor(call, init.signal);
    if (!this.app) throw new Error("FakeSidecar.app not set");
    const res = await this.app.inject({
      method: "PUT",
      url: `/actors/${type}/${id}/method/${method}`,
      headers: { "content-type": "application/json", ...init.headers },
      payload: body,
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) headers[k.toLowerCase()] = String(v);
    return { status: res.statusCode, headers, body: res.body };
  }

  getActorState(type: string, id: string, key: string): Promise<Json | undefined> {
    this.stateReads.push({ type, id, key });
    return Promise.resolve(this.stored(type, id, key));
  }

  transactActorState(type: string, id: string, operations: DaprStateOperation[]): Promise<void> {
    if (this.failNextTransaction) {
      this.failNextTransaction = false;
      return Promise.reject(new Error("state store unavailable"));
    }
    this.transactions.push({ type, id, operations });
    const scope = FakeSidecar.scope(type, id);
    const map = this.state.get(scope) ?? new Map<string, string>();
    this.state.set(scope, map);
    for (const op of operations) {
      if (op.operation === "upsert") map.set(op.request.key, JSON.stringify(op.request.value));
      else map.delete(op.request.key);
    }
    return Promise.resolve();
  }

  setActorTimer(type: string, id: string, name: string, request: ScheduleRequest & { callback: string }) {
    this.timers.set(`${FakeSidecar.scope(type, id)}||${name}`, request);
    return Promise.resolve();
  }

  deleteActorTimer(type: string, id: string, name: string) {
    this.timers.delete(`${FakeSidecar.scope(type, id)}||${name}`);
    return Promise.resolve();
  }

  setActorReminder(type: string, id: string, name: string, request: ScheduleRequest) {
    this.reminders.set(`${FakeSidecar.scope(type, id)}||${name}`, request);
    return Promise.resolve();
  }

  deleteActorReminder(type: string, id: string, name: string) {
    this.reminders.delete(`${FakeSidecar.scope(type, id)}||${name}`);
    return Promise.resolve();
  }

  publish(pubsub: string, topic: string, body: string, init: SidecarRequestInit & { contentType: string }) {
    if (this.failPublish) return Promise.reject(new Error("publish failed (fake)"));
    this.published.push({ pubsub, topic, body, contentType: init.contentType, headers: { ...init.headers } });
    return Promise.resolve();
  }

  invokeService(
    appId: string,
    path: string,
    request: SidecarRequestInit & { method: string; body?: string },
  ) {
    this.invocations.push({
      appId,
      path,
      method: request.method,
      ...(request.body !== undefined ? { body: request.body } : {}),
      headers: { ...request.headers },
    });
    const answer = this.answerService?.(path) ?? { status: 200, headers: {}, body: "{}" };
    return Promise.resolve(answer);
  }

  getSecret(store: string, name: string) {
    return Promise.resolve(this.secrets[`${store}/${name}`]);
  }
}
