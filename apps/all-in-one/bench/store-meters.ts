/**
 * What one agent reply writes to the state store: a wrapped embedded StateBackend, or Redis counters around
 * the reply on the Dapr stack (see agent-progress.ts for what each figure means).
 */
import { Redis } from "ioredis";
import type { StateBackend } from "@troupe/actor-runtime";

export interface StoreFigures {
  /** Bytes written to the state store for the reply (see the file comment per runtime). */
  bytes: number;
  /** State-store write transactions for the reply. */
  writes: number;
  /** Anything else worth keeping in the JSON (per-runtime details). */
  detail: Record<string, unknown>;
}

export interface StoreMeter {
  start(): Promise<void>;
  stop(): Promise<StoreFigures>;
}

/** Wraps a backend: counts apply() calls and sums the JSON size of their operations. */
export function meteredBackend(inner: StateBackend): { backend: StateBackend; meter: StoreMeter } {
  let writes = 0;
  let bytes = 0;
  let operations = 0;
  const byKey = new Map<string, number>();
  let base = { writes: 0, bytes: 0, operations: 0 };
  const backend: StateBackend = {
    get: (type, id, key) => inner.get(type, id, key),
    apply(type, id, ops) {
      writes += 1;
      for (const op of ops) {
        const size = Buffer.byteLength(JSON.stringify(op));
        bytes += size;
        operations += 1;
        const family = `${type}:${op.key.replace(/:\d+$/, ":N")}`;
        byKey.set(family, (byKey.get(family) ?? 0) + size);
      }
      return inner.apply(type, id, ops);
    },
    saveReminder: (r) => inner.saveReminder(r),
    deleteReminder: (type, id, name) => inner.deleteReminder(type, id, name),
    listReminders: () => inner.listReminders(),
    close: () => inner.close(),
  };
  const meter: StoreMeter = {
    start() {
      base = { writes, bytes, operations };
      byKey.clear();
      return Promise.resolve();
    },
    async stop() {
      // The run's last report can land just after the status turns idle: wait until writes stop.
      for (let seen = -1; seen !== writes;) {
        seen = writes;
        await sleep(500);
      }
      return {
        bytes: bytes - base.bytes,
        writes: writes - base.writes,
        detail: {
          operations: operations - base.operations,
          bytesByKey: Object.fromEntries([...byKey].sort((a, b) => b[1] - a[1])),
        },
      };
    },
  };
  return { backend, meter };
}

function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

interface RedisSample {
  netInput: number;
  usedMemory: number;
  /** calls per command, e.g. exec → 12 */
  calls: Map<string, number>;
  /** Redis TIME in milliseconds (stream entry ids start with it). */
  timeMs: number;
}

async function sampleRedis(redis: Redis): Promise<RedisSample> {
  const [stats, memory, commandstats, time] = await Promise.all([
    redis.info("stats"),
    redis.info("memory"),
    redis.info("commandstats"),
    redis.time(),
  ]);
  const calls = new Map<string, number>();
  for (const [k, v] of parseInfo(commandstats)) {
    const m = /calls=(\d+)/.exec(v);
    if (k.startsWith("cmdstat_") && m) calls.set(k.slice("cmdstat_".length), Number(m[1]));
  }
  return {
    netInput: Number(parseInfo(stats).get("total_net_input_bytes")),
    usedMemory: Number(parseInfo(memory).get("used_memory")),
    calls,
    timeMs: Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000),
  };
}

/** Commands this meter itself sends (not part of what the system wrote). */
const OWN_COMMANDS = new Set([
  "info",
  "time",
  "scan",
  "type",
  "xrange",
  "memory|usage",
  "ping",
  "client|setinfo",
]);

/** Sum of field+value bytes of the stream entries added since `sinceMs`, per stream key. */
async function streamBytesSince(redis: Redis, sinceMs: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      if ((await redis.type(key)) !== "stream") continue;
      let bytes = 0;
      for (const [, fields] of await redis.xrange(key, `${sinceMs}-0`, "+")) {
        for (const f of fields) bytes += Buffer.byteLength(f);
      }
      if (bytes > 0) out[key] = bytes;
    }
  } while (cursor !== "0");
  return out;
}

/** Memory of the Redis keys of one actor (daprd stores actor state as `<app>||<type>||<id>||<key>`). */
async function actorKeysMemory(redis: Redis, actorId: string): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `*||${actorId}||*`, "COUNT", 1000);
    cursor = next;
    for (const key of found) {
      keys += 1;
      bytes += (await redis.memory("USAGE", key)) ?? 0;
    }
  } while (cursor !== "0");
  return { keys, bytes };
}

export function redisMeter(redis: Redis, actorId: () => string): StoreMeter {
  let before: RedisSample | undefined;
  let idle: { ms: number; netInput: number; calls: Record<string, number> } | undefined;
  let startedAt = 0;
  const callDeltas = (a: RedisSample, b: RedisSample) => {
    const out: Record<string, number> = {};
    for (const [cmd, n] of b.calls) {
      const d = n - (a.calls.get(cmd) ?? 0);
      if (d > 0 && !OWN_COMMANDS.has(cmd)) out[cmd] = d;
    }
    return out;
  };
  return {
    async start() {
      // Background traffic (pub/sub polling, health) over an idle second, to judge the run's figures by.
      const a = await sampleRedis(redis);
      const t0 = performance.now();
      await sleep(1_000);
      const b = await sampleRedis(redis);
      idle = { ms: performance.now() - t0, netInput: b.netInput - a.netInput, calls: callDeltas(a, b) };
      before = await sampleRedis(redis);
      startedAt = performance.now();
    },
    async stop() {
      await sleep(1_000); // trailing writes (the last report, pub/sub of the last events)
      const after = await sampleRedis(redis);
      const ms = performance.now() - startedAt;
      const b = before!;
      const calls = callDeltas(b, after);
      const netInput = after.netInput - b.netInput;
      const streams = await streamBytesSince(redis, b.timeMs);
      const pubsubBytes = Object.values(streams).reduce((n, x) => n + x, 0);
      const idleNetInput = Math.round((idle!.netInput / idle!.ms) * ms);
      return {
        // Net input minus the pub/sub payloads and the idle background: what daprd sent for state (plus
        // its small reads).
        bytes: Math.max(0, netInput - pubsubBytes - idleNetInput),
        writes: calls["exec"] ?? 0,
        detail: {
          netInputBytes: netInput,
          pubsubStreamBytes: streams,
          idleNetInputBytesForSameDuration: idleNetInput,
          usedMemoryDelta: after.usedMemory - b.usedMemory,
          sessionStateKeys: await actorKeysMemory(redis, actorId()),
          commandCalls: calls,
          idleCommandCallsPerSecond: Object.fromEntries(
            Object.entries(idle!.calls).map(([k, v]) => [k, Math.round((v / idle!.ms) * 10_000) / 10]),
          ),
          windowMs: Math.round(ms),
        },
      };
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
