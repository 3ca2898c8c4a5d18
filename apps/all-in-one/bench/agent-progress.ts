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
import { createMemoryBackend } from "@troupe/actor-runtime";
import { startScriptedModelServer, type ScriptedTextChunk } from "@troupe/agent-loop";
import * as chatService from "@troupe/chat-service";
import { startEmbeddedSystem } from "../src/embedded-system.ts";
import { freePortPlan, parseStackArgs, startStack, type Stack } from "@troupe/devstack";
import { meteredBackend, redisMeter, sleep, type StoreMeter } from "./store-meters.ts";
import { comparison, table, type Result } from "./report.ts";

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0) * 100) / 100;
};

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
  await sleep(300); // the stream's first read has activated the actor
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
      `${results.map(table).join("\n\n")}\n\n${comparison(results)}\n\nwrote ${file}\n`,
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
