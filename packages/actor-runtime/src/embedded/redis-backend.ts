import type { Json } from "@troupe/actor-interfaces";
import type { Redis } from "ioredis";
import type { ReminderRecord, StateBackend, StateOperation } from "../core/state-backend.ts";

export interface RedisBackendOptions {
  /** A connected ioredis client; the backend closes it on `close()` only when `ownsClient` is true. */
  client: Redis;
  /** Key prefix, so several runtimes or tests can share one Redis. Default "troupe:". */
  prefix?: string;
  ownsClient?: boolean;
}

/**
 * Actor state and reminders in Redis. Each actor's state is one hash (`<prefix>state:<type>||<id>`, field
 * = state key, value = JSON), written with MULTI/EXEC so a call's changes land together. Reminders are one
 * hash `<prefix>reminders` keyed by `<type>||<id>||<name>`.
 */
export function createRedisBackend(options: RedisBackendOptions): StateBackend {
  const { client } = options;
  const prefix = options.prefix ?? "troupe:";
  const stateKey = (type: string, id: string) => `${prefix}state:${type}||${id}`;
  const remindersKey = `${prefix}reminders`;
  const reminderField = (type: string, id: string, name: string) => `${type}||${id}||${name}`;

  return {
    async get(type, id, key) {
      const text = await client.hget(stateKey(type, id), key);
      return text === null ? undefined : (JSON.parse(text) as Json);
    },
    async apply(type, id, operations: readonly StateOperation[]) {
      if (operations.length === 0) return;
      const multi = client.multi();
      for (const o of operations) {
        if (o.op === "upsert") multi.hset(stateKey(type, id), o.key, JSON.stringify(o.value));
        else multi.hdel(stateKey(type, id), o.key);
      }
      const results = await multi.exec();
      const failed = results?.find(([error]) => error !== null);
      if (!results || failed)
        throw new Error(`redis state transaction failed: ${String(failed?.[0] ?? "aborted")}`);
    },
    async saveReminder(reminder: ReminderRecord) {
      await client.hset(
        remindersKey,
        reminderField(reminder.type, reminder.id, reminder.name),
        JSON.stringify(reminder),
      );
    },
    async deleteReminder(type, id, name) {
      await client.hdel(remindersKey, reminderField(type, id, name));
    },
    async listReminders() {
      const all = await client.hgetall(remindersKey);
      return Object.values(all).map((text) => JSON.parse(text) as ReminderRecord);
    },
    async close() {
      if (options.ownsClient) await client.quit();
    },
  };
}
