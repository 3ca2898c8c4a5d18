/**
 * The shared per-call state machinery (core/actor-state.ts: read-through cache, buffered transaction) over
 * the sidecar: reads are `GET /v1.0/actors/{type}/{id}/state/{key}` (204 = missing), a commit is ONE
 * `POST /v1.0/actors/{type}/{id}/state` with upsert/delete operations. Reminders are not stored here:
 * on Dapr they live in the scheduler service and are managed through the sidecar's reminder API.
 */
import type { ReminderRecord, StateBackend, StateOperation } from "../core/state-backend.ts";
import type { SidecarClient, DaprStateOperation } from "./sidecar-client.ts";

export function sidecarStateBackend(sidecar: SidecarClient): StateBackend {
  const notHere = (): Promise<never> =>
    Promise.reject(
      new Error("on Dapr, reminders live in the scheduler; use ctx.reminders (the sidecar reminder API)"),
    );
  return {
    get: (type, id, key) => sidecar.getActorState(type, id, key),
    apply: (type, id, operations: readonly StateOperation[]) =>
      sidecar.transactActorState(type, id, operations.map(toDapr)),
    saveReminder: (_r: ReminderRecord) => notHere(),
    deleteReminder: () => notHere(),
    listReminders: () => notHere(),
    close: () => Promise.resolve(),
  };
}

function toDapr(o: StateOperation): DaprStateOperation {
  return o.op === "upsert"
    ? { operation: "upsert", request: { key: o.key, value: o.value } }
    : { operation: "delete", request: { key: o.key } };
}
