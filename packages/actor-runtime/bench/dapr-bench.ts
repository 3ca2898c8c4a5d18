/**
 * The actor benchmark with a Dapr column (a script, not a test):
 *
 *   npx tsx --conditions=troupe-source bench/dapr-bench.ts [--quick]
 *
 * Runs bench/actors.ts's workload on the embedded runtime (in-memory state) and on the fastify actor host
 * behind a real daprd + placement + scheduler + Redis (dapr-harness.ts), prints the table and writes
 * bench-results/actors-dapr.json. `--quick` shrinks every size tenfold (a smoke run).
 */
import { resolve } from "node:path";
import {
  defaultBenchSizes,
  formatActorBench,
  runActorBench,
  writeActorBench,
  type ActorBenchResult,
  type BenchSizes,
} from "./actors.ts";
import { silentLogger } from "../src/embedded/logger.ts";
import { createEmbeddedHarness } from "../test/contract/embedded-harness.ts";
import { createDaprHarness } from "../test/dapr-harness.ts";

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const sizes: BenchSizes = quick
    ? {
        sequentialCalls: defaultBenchSizes.sequentialCalls / 10,
        actors: defaultBenchSizes.actors / 10,
        callsPerActor: defaultBenchSizes.callsPerActor,
        chainHops: defaultBenchSizes.chainHops,
        chainRuns: 5,
        activations: defaultBenchSizes.activations / 10,
      }
    : defaultBenchSizes;
  const results: ActorBenchResult[] = [];
  results.push(await runActorBench(createEmbeddedHarness({ log: silentLogger }), "embedded (memory)", sizes));
  results.push(
    await runActorBench(
      createDaprHarness({ appId: "bench-host", appHealthCheck: false }),
      "dapr (daprd + Redis)",
      sizes,
    ),
  );
  const file = resolve(process.cwd(), "bench-results", "actors-dapr.json");
  process.stdout.write(`${formatActorBench(results)}\n\nwrote ${file}\n`);
  await writeActorBench(results, file);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
