/**
 * AgentSession responsiveness: how long Steer, GetState and Abort take over HTTP while a slow scripted model
 * call is in flight (the short-lock controller design keeps them off the run's critical path).
 *
 *   npx tsx --conditions=troupe-source bench/agent-session.ts [--dapr]
 *
 * Prints a table and writes bench-results/agent-session.json. `--dapr` also measures the real Dapr stack.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createMemoryBackend } from "@troupe/actor-runtime";
import { startScriptedModelServer } from "@troupe/agent-loop";
import * as chatService from "@troupe/chat-service";
import { startEmbeddedSystem } from "../src/embedded-system.ts";
import { startStackSystem } from "../test/stack-sut.ts";

const RUNS = 10;
const CALLS_PER_RUN = 10;
const MODEL_DELAY_MS = 4_000;

interface Summary {
  runtime: string;
  getStateP50: number;
  getStateP99: number;
  steerP50: number;
  steerP99: number;
  abortP50: number;
  abortP99: number;
}

async function post(url: string, body?: unknown): Promise<number> {
  const r = await fetch(url, {
    method: "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  await r.arrayBuffer();
  return r.status;
}

async function timed(fn: () => Promise<unknown>, into: number[]): Promise<void> {
  const t0 = performance.now();
  await fn();
  into.push(performance.now() - t0);
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0) * 100) / 100;
};

async function measure(runtime: string, chatUrl: string): Promise<Summary> {
  const getState: number[] = [];
  const steer: number[] = [];
  const abort: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const session = `${chatUrl}/agents/bench-${Date.now().toString(36)}-${run}`;
    await post(`${session}/prompt`, { text: "slow" });
    for (;;) {
      const state = (await (await fetch(session)).json()) as { status: string };
      if (state.status === "running") break;
    }
    for (let i = 0; i < CALLS_PER_RUN; i++) {
      await timed(() => fetch(session).then((r) => r.arrayBuffer()), getState);
      await timed(() => post(`${session}/steer`, { text: `steer ${i}` }), steer);
    }
    await timed(() => post(`${session}/abort`), abort);
  }
  return {
    runtime,
    getStateP50: pct(getState, 0.5),
    getStateP99: pct(getState, 0.99),
    steerP50: pct(steer, 0.5),
    steerP99: pct(steer, 0.99),
    abortP50: pct(abort, 0.5),
    abortP99: pct(abort, 0.99),
  };
}

async function main(): Promise<void> {
  const model = await startScriptedModelServer({ script: () => ({ text: "done", delayMs: MODEL_DELAY_MS }) });
  const results: Summary[] = [];
  try {
    const chatConfig = {
      ...chatService.loadConfig({}),
      openaiBaseUrl: model.baseURL,
      openaiModel: "scripted",
    };
    const embedded = await startEmbeddedSystem({
      ports: { chat: 0, memory: 0, tools: 0 },
      state: createMemoryBackend(),
      logLevel: "silent",
      chatConfig,
    });
    try {
      results.push(await measure("embedded", embedded.urls.chat));
    } finally {
      await embedded.stop();
    }
    if (process.argv.includes("--dapr")) {
      const stack = await startStackSystem({ OPENAI_BASE_URL: model.baseURL, OPENAI_MODEL: "scripted" });
      try {
        results.push(await measure("dapr", stack.chatUrl));
      } finally {
        await stack.stop();
      }
    }
  } finally {
    await model.close();
  }
  const header = `| runtime | GetState p50/p99 ms | Steer p50/p99 ms | Abort p50/p99 ms |\n|---|---|---|---|`;
  const rows = results.map(
    (r) =>
      `| ${r.runtime} | ${r.getStateP50} / ${r.getStateP99} | ${r.steerP50} / ${r.steerP99} | ${r.abortP50} / ${r.abortP99} |`,
  );
  const file = resolve(process.cwd(), "bench-results", "agent-session.json");
  process.stdout.write(
    `AgentSession latency while a ${MODEL_DELAY_MS} ms model call runs (${RUNS} runs x ${CALLS_PER_RUN} calls)\n` +
      `${[header, ...rows].join("\n")}\n\nwrote ${file}\n`,
  );
  await mkdir(resolve(process.cwd(), "bench-results"), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ benchmark: "agent-session", at: new Date().toISOString(), results }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
