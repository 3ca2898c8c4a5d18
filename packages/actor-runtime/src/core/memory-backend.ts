import type { Json } from "@troupe/actor-interfaces";
import type { ReminderRecord, StateBackend, StateOperation } from "./state-backend.ts";

/**
 * In-memory state and reminders. Durable for the lifetime of this object: a new runtime started on the
 * same backend object sees the state and reminders of the previous one (what a restart test needs).
 */
export function createMemoryBackend(): StateBackend {
  const state = new Map<string, Map<string, string>>();
  const reminders = new Map<string, string>();
  const scope = (type: string, id: string) => `${type}||${id}`;

  return {
    get(type, id, key) {
      const text = state.get(scope(type, id))?.get(key);
      return Promise.resolve(text === undefined ? undefined : (JSON.parse(text) as Json));
    },
    apply(type, id, operations: readonly StateOperation[]) {
      const encoded = operations.map((o) =>
        o.op === "upsert" ? { ...o, text: JSON.stringify(o.value) } : o,
      );
      let actorState = state.get(scope(type, id));
      if (!actorState) state.set(scope(type, id), (actorState = new Map<string, string>()));
      for (const o of encoded) {
        if (o.op === "upsert") actorState.set(o.key, o.text);
        else actorState.delete(o.key);
      }
      if (actorState.size === 0) state.delete(scope(type, id));
      return Promise.resolve();
    },
    saveReminder(reminder: ReminderRecord) {
      reminders.set(`${scope(reminder.type, reminder.id)}||${reminder.name}`, JSON.stringify(reminder));
      return Promise.resolve();
    },
    deleteReminder(type, id, name) {
      reminders.delete(`${scope(type, id)}||${name}`);
      return Promise.resolve();
    },
    listReminders() {
      return Promise.resolve([...reminders.values()].map((text) => JSON.parse(text) as ReminderRecord));
    },
    close() {
      return Promise.resolve();
    },
  };
}
