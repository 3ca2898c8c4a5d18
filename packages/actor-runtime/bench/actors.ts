/**
 * Actor benchmark over the contract harness, so every runtime gets the same workload:
 *
 *   npx tsx --conditions=troupe-source bench/actors.ts [--redis]
 *
 * Runs the embedded runtime (in-memory state; with --redis also Redis state on a private redis-server),
 * prints a table and writes bench-results/actors.json. Another runtime adds a column by calling
 * `runActorBench(harness, label)` and passing all results to `printActorBench` / `writeActorBench`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { defaultRuntimeSettings, type ActorRuntimeSettings } from "../src/api.ts";
import { silentLogger } from "../src/embedded/logger.ts";
import { createRedisBackend } from "../src/embedded/redis-backend.ts";
import { createEmbeddedHarness } from "../test/contract/embedded-harness.ts";
import type { ContractHarness } from "../test/contract/harness.ts";
import { startLocalRedis } from "../test/redis-server.ts";
import { BenchChain, BenchCounter, benchRegistrations } from "./bench-actors.ts";

export interface BenchSizes {
  sequentialCalls: number;
  actors: number;
  callsPerActor: number;
  chainHops: number;
  chainRuns: number;
  activations: number;
}

export const defaultBenchSizes: BenchSizes = {
  sequentialCalls: 5_000,
  actors: 1_000,
  callsPerActor: 10,
  chainHops: 100,
  chainRuns: 20,
  activations: 1_000,
};

export interface LatencySummary {
  count: number;
  totalMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ActorBenchResult {
  runtime: string;
  /** Sequential Increment calls on one warm actor (read, write, commit each). */
  sequential: LatencySummary;
  /** All calls at once: `callsPerActor` Increments on each of `actors` actors. */
  concurrent: LatencySummary & { actors: number; exact: boolean };
  /** One call that hops through `chainHops` distinct actors; latency per whole chain. */
  chain: LatencySummary & { hops: number; perHopUs: number };
  /** First call to a fresh id (activation included) against a call to a warm actor. */
  activation: { first: LatencySummary; warm: LatencySummary; costUs: number };
}

export const benchSettings: ActorRuntimeSettings = {
  ...defaultRuntimeSettings,
  idleTimeout: "60m",
  reentrancy: { enabled: true, maxStackDepth: 32 },
  callTimeoutMs: 120_000,
};

function summarise(samples: number[], totalMs: number): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    count: samples.length,
    totalMs: round(totalMs),
    perSecond: Math.round((samples.length / totalMs) * 1_000),
    p50Ms: round(at(0.5), 3),
    p99Ms: round(at(0.99), 3),
  };
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

async function timed<T>(fn: () => Promise<T>, samples: number[]): Promise<T> {
  const start = performance.now();
  const result = await fn();
  samples.push(performance.now() - start);
  return result;
}

/** Runs the workload on a started-and-stopped harness; `label` names the column. */
export async function runActorBench(
  harness: ContractHarness,
  label: string,
  sizes: BenchSizes = defaultBenchSizes,
): Promise<ActorBenchResult> {
  await harness.start(benchRegistrations(), benchSettings);
  try {
    const client = harness.client();
    const run = `${Date.now().toString(36)}`;

    const warm = client.actor(BenchCounter, `${run}-seq`);
    for (let i = 0; i < 100; i++) await warm.Increment({});
    const seqSamples: number[] = [];
    let start = performance.now();
    for (let i = 0; i < sizes.sequentialCalls; i++) await timed(() => warm.Increment({}), seqSamples);
    const sequential = summarise(seqSamples, performance.now() - start);

    // Warm-up round on other ids, so the timed round measures the runtime and not the JIT.
    await Promise.all(
      Array.from({ length: sizes.actors }, (_, i) =>
        client.actor(BenchCounter, `${run}-warm-${i}`).Increment({}),
      ),
    );
    const ids = Array.from({ length: sizes.actors }, (_, i) => `${run}-many-${i}`);
    const concSamples: number[] = [];
    start = performance.now();
    const finals = await Promise.all(
      ids.map(async (id) => {
        const actor = client.actor(BenchCounter, id);
        const results = await Promise.all(
          Array.from({ length: sizes.callsPerActor }, () => timed(() => actor.Increment({}), concSamples)),
        );
        return Math.max(...results.map((r) => r.value));
      }),
    );
    const concurrent = {
      ...summarise(concSamples, performance.now() - start),
      actors: sizes.actors,
      exact: finals.every((value) => value === sizes.callsPerActor),
    };

    const chainSamples: number[] = [];
    const prefix = `${run}-chain`;
    // The first run activates the chain's actors; the timed runs measure warm hops.
    await client
      .actor(BenchChain, `${prefix}-${sizes.chainHops}`)
      .Hop({ prefix, remaining: sizes.chainHops });
    start = performance.now();
    for (let i = 0; i < sizes.chainRuns; i++) {
      const { hops } = await timed(
        () =>
          client
            .actor(BenchChain, `${prefix}-${sizes.chainHops}`)
            .Hop({ prefix, remaining: sizes.chainHops }),
        chainSamples,
      );
      if (hops !== sizes.chainHops) throw new Error(`chain made ${hops} hops, expected ${sizes.chainHops}`);
    }
    const chainSummary = summarise(chainSamples, performance.now() - start);
    const chain = {
      ...chainSummary,
      hops: sizes.chainHops,
      perHopUs: round((chainSummary.p50Ms * 1_000) / sizes.chainHops),
    };

    const firstSamples: number[] = [];
    start = performance.now();
    for (let i = 0; i < sizes.activations; i++) {
      await timed(() => client.actor(BenchCounter, `${run}-fresh-${i}`).Ping({}), firstSamples);
    }
    const first = summarise(firstSamples, performance.now() - start);
    const warmSamples: number[] = [];
    start = performance.now();
    for (let i = 0; i < sizes.activations; i++) {
      await timed(() => client.actor(BenchCounter, `${run}-fresh-${i}`).Ping({}), warmSamples);
    }
    const warmPing = summarise(warmSamples, performance.now() - start);
    const activation = { first, warm: warmPing, costUs: round((first.p50Ms - warmPing.p50Ms) * 1_000) };

    return { runtime: label, sequential, concurrent, chain, activation };
  } finally {
    await harness.stop();
  }
}

const ROWS: [string, (r: ActorBenchResult) => string][] = [
  ["sequential calls/s", (r) => String(r.sequential.perSecond)],
  ["sequential p50 / p99 ms", (r) => `${r.sequential.p50Ms} / ${r.sequential.p99Ms}`],
  [
    "concurrent (N actors x M calls) calls/s",
    (r) => `${r.concurrent.perSecond} (${r.concurrent.actors} x ${r.concurrent.count / r.concurrent.actors})`,
  ],
  ["concurrent p50 / p99 ms", (r) => `${r.concurrent.p50Ms} / ${r.concurrent.p99Ms}`],
  ["concurrent counters exact", (r) => String(r.concurrent.exact)],
  ["chain (hops) p50 / p99 ms", (r) => `(${r.chain.hops}) ${r.chain.p50Ms} / ${r.chain.p99Ms}`],
  ["chain per hop us (p50)", (r) => String(r.chain.perHopUs)],
  [
    "first call (activation) p50 / p99 ms",
    (r) => `${r.activation.first.p50Ms} / ${r.activation.first.p99Ms}`,
  ],
  ["warm call p50 / p99 ms", (r) => `${r.activation.warm.p50Ms} / ${r.activation.warm.p99Ms}`],
  ["activation cost us (p50 diff)", (r) => String(r.activation.costUs)],
];

export function formatActorBench(results: readonly ActorBenchResult[]): string {
  const header = ["metric", ...results.map((r) => r.runtime)];
  const rows = [header, ...ROWS.map(([name, cell]) => [name, ...results.map(cell)])];
  const widths = header.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? "").length)));
  const line = (row: string[]) => `| ${row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(header), rule, ...rows.slice(1).map(line)].join("\n");
}

export async function writeActorBench(results: readonly ActorBenchResult[], file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const body = { benchmark: "actors", at: new Date().toISOString(), node: process.version, results };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
}

async function main(): Promise<void> {
  const results: ActorBenchResult[] = [];
  results.push(await runActorBench(createEmbeddedHarness({ log: silentLogger }), "embedded (memory)"));
  if (process.argv.includes("--redis")) {
    const redis = await startLocalRedis();
    try {
      const harness = createEmbeddedHarness({
        log: silentLogger,
        backend: () =>
          Promise.resolve(
            createRedisBackend({ client: redis.client(), prefix: `bench:${Date.now()}:`, ownsClient: true }),
          ),
      });
      results.push(await runActorBench(harness, "embedded (redis)"));
    } finally {
      await redis.stop();
    }
  }
  const file = resolve(process.cwd(), "bench-results", "actors.json");
  process.stdout.write(`${formatActorBench(results)}\n\nwrote ${file}\n`);
  await writeActorBench(results, file);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
