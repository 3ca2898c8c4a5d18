/**
 * Timers and reminders on Dapr: actors set and delete them through the sidecar; daprd fires them at the
 * host, which runs the callback as a turn (see host.ts) and cancels them here when it asks to.
 */
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import type { Json } from "@troupe/actor-interfaces";
import type { ActorScheduler, ScheduleOptions } from "../api.ts";
import { formatDuration, parseDuration } from "../core/duration.ts";
import { unwrapScheduleData, wrapScheduleData } from "../core/tracing.ts";
import { parseRequestBody } from "./replies.ts";
import type { SidecarClient } from "./sidecar-client.ts";

export type ScheduleKind = "timer" | "reminder";

export const REMINDER_CANCEL_HEADER = "X-DaprReminderCancel";

/** Normalises a duration for daprd (same grammar as the embedded runtime: Go, ISO 8601 or ms). */
export function toDaprDuration(value: string | number): string {
  return formatDuration(parseDuration(value));
}

/** `ctx.timers` or `ctx.reminders` of one actor. */
export function sidecarScheduler(
  sidecar: SidecarClient,
  kind: ScheduleKind,
  type: string,
  id: string,
): ActorScheduler {
  const request = (o: ScheduleOptions) => {
    // The scheduling span's traceparent travels in the data: the firing's span links to it.
    const data = wrapScheduleData(o.data);
    return {
      dueTime: toDaprDuration(o.dueTime),
      ...(o.period !== undefined ? { period: toDaprDuration(o.period) } : {}),
      ...(data !== undefined ? { data } : {}),
    };
  };
  return kind === "timer"
    ? {
        set: (name, o) => sidecar.setActorTimer(type, id, name, { ...request(o), callback: name }),
        delete: (name) => sidecar.deleteActorTimer(type, id, name),
      }
    : {
        set: (name, o) => sidecar.setActorReminder(type, id, name, request(o)),
        delete: (name) => sidecar.deleteActorReminder(type, id, name),
      };
}

/**
 * The actor's data and the scheduling traceparent out of a firing's body. The data arrives as the JSON
 * value we registered (daprd 1.18 stores it as raw JSON bytes and writes them back verbatim:
 * `ReminderResponse.MarshalJSON` in pkg/actors/api). No base64 guessing: a string that happens to look like
 * base64 must stay a string. A body that is not JSON fires with no data.
 */
export function firingData(body: unknown): { data: Json | undefined; scheduledBy?: string } {
  const parsed = parseRequestBody(body);
  const stored = parsed instanceof Error ? undefined : (parsed as { data?: Json } | undefined)?.data;
  return unwrapScheduleData(stored);
}

/**
 * CANCEL_SCHEDULE: answer with `X-DaprReminderCancel: true` (the documented protocol) AND delete the
 * schedule through the sidecar, because daprd 1.18 ignores the header: scheduler-backed reminders map it
 * to SUCCESS and keep firing (a TODO in pkg/runtime/scheduler/internal/cluster/streamer.go), and in-memory
 * timers log it as an error and reschedule (pkg/actors/internal/timers/inmemory). Verified against
 * daprd 1.18.2 by the contract suite. A failed delete is logged: the callback already ran.
 */
export async function cancelSchedule(
  sidecar: SidecarClient,
  log: FastifyBaseLogger,
  reply: FastifyReply,
  firing: { kind: ScheduleKind; type: string; id: string; name: string },
): Promise<void> {
  const { kind, type, id, name } = firing;
  reply.header(REMINDER_CANCEL_HEADER, "true");
  try {
    if (kind === "timer") await sidecar.deleteActorTimer(type, id, name);
    else await sidecar.deleteActorReminder(type, id, name);
  } catch (err) {
    log.warn({ err, actorType: type, actorId: id, [kind]: name }, `could not delete the cancelled ${kind}`);
  }
}
