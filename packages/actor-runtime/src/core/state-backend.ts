import type { Json } from "@troupe/actor-interfaces";

/** One change of a state transaction (Dapr's `upsert` / `delete` operations). */
export type StateOperation = { op: "upsert"; key: string; value: Json } | { op: "delete"; key: string };

/** A durable reminder as stored by a backend. */
export interface ReminderRecord {
  type: string;
  id: string;
  name: string;
  /** Epoch milliseconds of the next firing. */
  nextFireAt: number;
  /** Repeat interval in milliseconds; absent fires once. */
  periodMs?: number;
  data?: Json;
  /** W3C traceparent of the span that set the reminder; the span of each firing links to it. */
  traceparent?: string;
}

/**
 * Where actor state and reminders live. Keys are scoped by actor type and id, as Dapr scopes them.
 *
 * Contract: `apply` writes all operations or none. Values are JSON and are returned as fresh copies.
 */
export interface StateBackend {
  get(type: string, id: string, key: string): Promise<Json | undefined>;
  apply(type: string, id: string, operations: readonly StateOperation[]): Promise<void>;
  saveReminder(reminder: ReminderRecord): Promise<void>;
  deleteReminder(type: string, id: string, name: string): Promise<void>;
  listReminders(): Promise<ReminderRecord[]>;
  close(): Promise<void>;
}
