/**
 * Agent progress cost: what ONE streamed agent reply (~2,000 words as as many small deltas) costs in the
 * state store, and how long a model delta takes to reach an SSE client of GET /agents/{id}/events.
 *
 *   npx tsx --conditions=troupe-source bench/agent-progress.ts [--dapr] [--words=2000] [--chunk-delay-ms=5]
 *
 * Prints a table per runtime and writes bench-results/agent-progress.json. `--dapr` also measures the real
 * Dapr stack (daprd + placement + scheduler + a private Redis).
 *
 * Figures:
 * - embedded: the StateBackend given to the embedded system is wrapped; every apply() is one write and its
 *   operations' JSON size (UTF-8 bytes of JSON.stringify of each upsert/delete) is summed.
 * - dapr: Redis `INFO stats` total_net_input_bytes and `INFO memory` used_memory deltas around the reply
 *   (that Redis also carries pub/sub: the XADD payloads of entries added to its streams during the reply are
 *   counted separately, and an idle baseline rate measured just before is reported); writes are `INFO
 *   commandstats` deltas: state transactions = EXEC calls (daprd's Redis state store writes each actor
 *   state transaction as MULTI/EXEC), plus every command whose count changed.
 * - delta→SSE: the scripted model server notes performance.now() as it writes each text chunk; the SSE
 *   client notes when it reads each `message_update` event whose assistantMessageEvent is a text_delta.
 *   Both sides are laid out as one character stream, and each model chunk is matched to the SSE delta that
 *   carries its last character, so deltas may be split or merged on the way (no `id:` line or snapshot is
 *   needed, only assistantMessageEvent.delta).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Redis } from "ioredis";
import { createMemoryBackend, type StateBackend } from "@troupe/actor-runtime";
import { startScriptedModelServer, type ScriptedTextChunk } from "@troupe/agent-loop";
import * as chatService from "@troupe/chat-service";
import { startEmbeddedSystem } from "../src/embedded-system.ts";
import { freePortPlan, parseStackArgs, startStack, type Stack } from "@troupe/devstack";

const PROMPT = "bench: write a long answer";
const RUN_TIMEOUT_MS = 10 * 60_000;

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
}
const WORDS = flag("words", 2_000);
const CHUNK_DELAY_MS = flag("chunk-delay-ms", 5);

/** Short English-like words (about 4 characters with the space, so ~1 token per word at 4 chars/token). */
const VOCABULARY = (
  "the of and to in is it that for on as with was by at be this are or from an not but all can has " +
  "had one we you so if do no up out any new its our two way use may who get now see how day act log " +
  "run set key map bus ack turn call host load save node send read sum top end yes via per few"
).split(" ");

/** Deterministic reply text of `words` words (a small LCG picks them). */
function replyText(words: number): string {
  let seed = 12345;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out.push(VOCABULARY[seed % VOCABULARY.length]!);
  }
  return `${out.join(" ")}.`;
}

interface StoreFigures {
  /** Bytes written to the state store for the reply (see the file comment per runtime). */
  bytes: number;
  /** State-store write transactions for the reply. */
  writes: number;
  /** Anything else worth keeping in the JSON (per-runtime details). */
  detail: Record<string, unknown>;
}

interface StoreMeter {
  start(): Promise<void>;
  stop(): Promise<StoreFigures>;
}

interface Result {
  runtime: string;
  words: number;
  chars: number;
  /** Output tokens of the stored assistant message (the scripted server bills ~4 characters per token). */
  tokens: number | null;
  modelChunks: number;
  sseDeltas: number;
  matched: number;
  /** Prompt accepted → session idle again. */
  replyMs: number;
  /** First → last model text chunk written (the pacing as the model server managed it). */
  modelStreamMs: number;
  stateBytes: number;
  stateWrites: number;
  deltaToSseP50: number;
  deltaToSseP99: number;
  deltaToSseMax: number;
  store: Record<string, unknown>;
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0) * 100) / 100;
};

/** Wraps a backend: counts apply() calls and sums the JSON size of their operations. */
function meteredBackend(inner: StateBackend): { backend: StateBackend; meter: StoreMeter } {
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

function redisMeter(redis: Redis, actorId: () => string): StoreMeter {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SseDelta {
  delta: string;
  at: number;
}

/**
 * Reads GET /agents/{id}/events until `signal` aborts, collecting text deltas of `message_update` events
 * (`data` = the loop event; an `id:` line is optional). Resolves `connected` once the response has begun.
 */
function openEvents(url: string, signal: AbortSignal) {
  const deltas: SseDelta[] = [];
  let ended = false;
  let resolveConnected!: () => void;
  const connected = new Promise<void>((r) => (resolveConnected = r));
  const done = (async () => {
    const response = await fetch(url, { signal, headers: { accept: "text/event-stream" } });
    if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
        const at = performance.now();
        resolveConnected();
        buffer += decoder.decode(bytes, { stream: true }).replace(/\r\n?/g, "\n");
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
          }
          if (data.length === 0) continue;
          if (event === "agent_end") ended = true;
          if (event !== "message_update") continue;
          const parsed = JSON.parse(data.join("\n")) as {
            assistantMessageEvent?: { type?: string; delta?: unknown };
          };
          const e = parsed.assistantMessageEvent;
          if (e?.type === "text_delta" && typeof e.delta === "string") deltas.push({ delta: e.delta, at });
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  })();
  done.catch(() => resolveConnected());
  return { deltas, connected, done, ended: () => ended };
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Latency of each model chunk: time from its write to the read of the SSE delta carrying its last
 * character, both texts laid out as one character stream (robust to deltas being split or merged).
 */
function matchLatencies(chunks: ScriptedTextChunk[], deltas: SseDelta[], upTo: number): number[] {
  const ends: number[] = [];
  let offset = 0;
  for (const d of deltas) ends.push((offset += d.delta.length));
  const out: number[] = [];
  let pos = 0;
  let j = 0;
  for (const c of chunks) {
    pos += c.text.length;
    if (c.text.length === 0) continue;
    if (pos > upTo) break;
    while (j < ends.length && ends[j]! < pos) j++;
    if (j >= ends.length) break;
    out.push(deltas[j]!.at - c.at);
  }
  return out;
}

async function measure(
  runtime: string,
  chatUrl: string,
  model: { chunks: ScriptedTextChunk[] },
  meter: StoreMeter,
  session: string,
  text: string,
): Promise<Result> {
  const base = `${chatUrl}/agents/${session}`;
  const abort = new AbortController();
  const events = openEvents(`${base}/events`, abort.signal);
  await events.connected;
  await sleep(300); // the stream's first poll has activated the actor
  model.chunks.length = 0;
  await meter.start();
  const t0 = performance.now();
  const prompt = await fetch(`${base}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: PROMPT }),
  });
  if (prompt.status !== 202) throw new Error(`prompt: ${prompt.status} ${await prompt.text()}`);
  let state: {
    status: string;
    error: string | null;
    messages: { role: string; usage?: { outputTokens?: number } }[];
  };
  const received = () => events.deltas.reduce((n, d) => n + d.delta.length, 0);
  let idleAt: number | undefined;
  for (;;) {
    if (performance.now() - t0 > RUN_TIMEOUT_MS)
      throw new Error(`${runtime}: the reply did not finish in time`);
    state = (await (await fetch(base)).json()) as typeof state;
    if (state.status === "idle" && state.error) throw new Error(`${runtime}: run failed: ${state.error}`);
    if (state.status === "idle") idleAt ??= performance.now();
    // Done when idle and every delta arrived (or, if some never do, 5 s after the run ended).
    if (idleAt !== undefined && (received() >= text.length || performance.now() - idleAt > 5_000)) break;
    await sleep(100);
  }
  const replyMs = (idleAt ?? performance.now()) - t0;
  const store = await meter.stop();
  abort.abort();
  await events.done;

  const streamed = events.deltas.map((d) => d.delta).join("");
  if (streamed !== text) {
    process.stderr.write(
      `WARNING ${runtime}: the SSE deltas do not spell the reply (${streamed.length} of ${text.length} chars` +
        `${text.startsWith(streamed) ? ", a prefix" : ", and differ"}); latencies cover the matched part only\n`,
    );
  }
  const latencies = matchLatencies(model.chunks, events.deltas, commonPrefix(streamed, text));
  const reply = state.messages.filter((m) => m.role === "assistant").at(-1);
  return {
    runtime,
    words: text.split(/\s+/).length,
    chars: text.length,
    tokens: reply?.usage?.outputTokens ?? null,
    modelChunks: model.chunks.length,
    sseDeltas: events.deltas.length,
    matched: latencies.length,
    replyMs: Math.round(replyMs),
    modelStreamMs: Math.round((model.chunks.at(-1)?.at ?? 0) - (model.chunks[0]?.at ?? 0)),
    stateBytes: store.bytes,
    stateWrites: store.writes,
    deltaToSseP50: pct(latencies, 0.5),
    deltaToSseP99: pct(latencies, 0.99),
    deltaToSseMax: pct(latencies, 1),
    store: store.detail,
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

function table(r: Result): string {
  const embedded = r.runtime === "embedded";
  const rows: [string, string][] = [
    ["reply", `${r.words} words, ${r.chars} chars, ${r.tokens ?? "?"} tokens, ${r.modelChunks} model chunks`],
    ["SSE text deltas received / matched", `${r.sseDeltas} / ${r.matched}`],
    ["model stream first → last chunk", `${r.modelStreamMs} ms`],
    ["prompt → idle", `${r.replyMs} ms`],
    [
      embedded ? "state bytes written (JSON of apply() ops)" : "state bytes (net input − pub/sub − idle)",
      `${r.stateBytes} (${mb(r.stateBytes)})`,
    ],
    [
      embedded ? "state writes (apply() calls)" : "state writes (EXEC = MULTI/EXEC transactions)",
      String(r.stateWrites),
    ],
    ["delta → SSE p50 / p99 / max", `${r.deltaToSseP50} / ${r.deltaToSseP99} / ${r.deltaToSseMax} ms`],
  ];
  const s = r.store;
  if (embedded) {
    rows.push(["state operations", String(s["operations"])]);
  } else {
    const pubsub = Object.values(s["pubsubStreamBytes"] as Record<string, number>).reduce((n, x) => n + x, 0);
    const keys = s["sessionStateKeys"] as { keys: number; bytes: number };
    const calls = Object.entries(s["commandCalls"] as Record<string, number>)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    const netIn = s["netInputBytes"] as number;
    const usedMemory = s["usedMemoryDelta"] as number;
    rows.push(
      ["Redis total_net_input_bytes delta", `${netIn} (${mb(netIn)})`],
      ["  of which pub/sub stream payloads", `${pubsub} (${mb(pubsub)})`],
      ["  idle background, same duration", String(s["idleNetInputBytesForSameDuration"])],
      ["Redis used_memory delta", `${usedMemory} (${mb(usedMemory)})`],
      ["session state keys in Redis (MEMORY USAGE)", `${keys.keys} keys, ${keys.bytes} bytes`],
      ["Redis command calls (delta)", calls],
    );
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `| ${"".padEnd(width)} | ${r.runtime} |`,
    `|${"-".repeat(width + 2)}|---|`,
    ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`),
  ].join("\n");
}

async function startDapr(env: Record<string, string>): Promise<Stack> {
  const plan = await freePortPlan(["chat-service", "agent-memory-service", "tool-service"]);
  return startStack({
    options: { ...parseStackArgs([], {}), tracing: "off" },
    plan,
    // TROUPE_TEST_LOGS=1 streams every process log (prefixed) to stderr.
    log: process.env.TROUPE_TEST_LOGS ? (line) => process.stderr.write(`${line}\n`) : () => {},
    onUnexpectedExit: (name, info, tail) => {
      process.stderr.write(`${name} exited unexpectedly (${JSON.stringify(info)}):\n${tail.join("\n")}\n`);
    },
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
  });
}

async function main(): Promise<void> {
  const text = replyText(WORDS);
  const recorded = { chunks: [] as ScriptedTextChunk[] };
  const model = await startScriptedModelServer({
    script: (request) => {
      const last = request.messages.at(-1);
      return last?.role === "user" && last.content === PROMPT
        ? { text, chunkDelayMs: CHUNK_DELAY_MS }
        : { text: "ok" };
    },
    onTextChunk: (chunk) => {
      if (model.requests[chunk.request]?.messages.at(-1)?.content === PROMPT) recorded.chunks.push(chunk);
    },
  });
  const results: Result[] = [];
  const session = (runtime: string) => `progress-${runtime}-${Date.now().toString(36)}`;
  try {
    const metered = meteredBackend(createMemoryBackend());
    const embedded = await startEmbeddedSystem({
      ports: { chat: 0, memory: 0, tools: 0 },
      state: metered.backend,
      logLevel: "silent",
      chatConfig: { ...chatService.loadConfig({}), openaiBaseUrl: model.baseURL, openaiModel: "scripted" },
    });
    try {
      results.push(
        await measure("embedded", embedded.urls.chat, recorded, metered.meter, session("embedded"), text),
      );
    } finally {
      await embedded.stop();
    }
    if (process.argv.includes("--dapr")) {
      const stack = await startDapr({ OPENAI_BASE_URL: model.baseURL, OPENAI_MODEL: "scripted" });
      const redis = new Redis({ host: "127.0.0.1", port: stack.dapr.redisPort, lazyConnect: true });
      try {
        await redis.connect();
        const id = session("dapr");
        const chatUrl = `http://127.0.0.1:${stack.plan.apps["chat-service"]!.appPort}`;
        results.push(
          await measure(
            "dapr",
            chatUrl,
            recorded,
            redisMeter(redis, () => id),
            id,
            text,
          ),
        );
      } finally {
        redis.disconnect();
        await stack.stop();
      }
    }
  } finally {
    await model.close();
  }
  const file = resolve(process.cwd(), "bench-results", "agent-progress.json");
  process.stdout.write(
    `Agent progress: one streamed reply of ${WORDS} words as word-sized deltas, ${CHUNK_DELAY_MS} ms apart\n\n` +
      `${results.map(table).join("\n\n")}\n\nwrote ${file}\n`,
  );
  await mkdir(resolve(process.cwd(), "bench-results"), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify(
      {
        benchmark: "agent-progress",
        at: new Date().toISOString(),
        words: WORDS,
        chunkDelayMs: CHUNK_DELAY_MS,
        results,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
