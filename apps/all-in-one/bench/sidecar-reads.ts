/**
 * Errors under load on the real Dapr stack: large actor answers read concurrently through daprd, and fresh
 * agent sessions streamed over SSE to their end. Counts failures (500s, `event: error`), not speed.
 *
 *   npx tsx --conditions=troupe-source bench/sidecar-reads.ts [--reads=10000] [--sessions=1000]
 *
 * Prints a table and writes bench-results/sidecar-reads.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { startScriptedModelServer } from "@troupe/agent-loop";
import { startStackSystem } from "../test/stack-sut.ts";

const flag = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const READS = flag("reads", 10_000);
const SESSIONS = flag("sessions", 1_000);
const CONCURRENCY = 4;

/** Runs `count` jobs, `CONCURRENCY` at a time; returns the failures' descriptions. */
async function pool(count: number, job: (i: number) => Promise<string | undefined>): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const failure = await job(next++);
        if (failure !== undefined) failures.push(failure);
      }
    }),
  );
  return failures;
}

/** Prompts a fresh session and reads its events to agent_end; a failure is an `event: error` or no end. */
async function streamSession(chatUrl: string, id: string): Promise<string | undefined> {
  const prompt = await fetch(`${chatUrl}/agents/${id}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "hello" }),
  });
  if (prompt.status !== 202) return `prompt ${prompt.status}`;
  const events = await fetch(`${chatUrl}/agents/${id}/events`, { signal: AbortSignal.timeout(60_000) });
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes("event: error")) return "event: error";
      if (text.includes("event: agent_end")) return undefined;
    }
  } catch (err) {
    return String(err);
  }
  return "stream ended without agent_end";
}

async function main(): Promise<void> {
  const model = await startScriptedModelServer({ script: () => ({ text: "a short streamed answer" }) });
  const stack = await startStackSystem({ OPENAI_BASE_URL: model.baseURL, OPENAI_MODEL: "scripted" });
  try {
    const conversation = `${stack.chatUrl}/chat/large-reads`;
    for (let i = 0; i < 80; i++) {
      await fetch(conversation, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ content: `message ${i}: ${"x".repeat(1000)}` }),
      }).then((r) => r.arrayBuffer());
    }
    let bytes = 0;
    const readFailures = await pool(READS, async () => {
      const response = await fetch(`${conversation}/history?limit=500`);
      const body = await response.text();
      bytes = Math.max(bytes, body.length);
      return response.status === 200 ? undefined : `${response.status} ${body.slice(0, 120)}`;
    });
    const run = Date.now().toString(36);
    const sessionFailures = await pool(SESSIONS, (i) => streamSession(stack.chatUrl, `load-${run}-${i}`));
    const result = {
      reads: READS,
      readBytes: bytes,
      readErrors: readFailures.length,
      sessions: SESSIONS,
      sessionErrors: sessionFailures.length,
      examples: [...readFailures, ...sessionFailures].slice(0, 5),
    };
    process.stdout.write(
      `Sidecar reads and streams on the real Dapr stack, ${CONCURRENCY} clients at a time\n\n` +
        `| workload | count | errors |\n|---|---|---|\n` +
        `| GET history?limit=500 (${bytes} bytes) | ${READS} | ${result.readErrors} |\n` +
        `| fresh agent session streamed to agent_end | ${SESSIONS} | ${result.sessionErrors} |\n` +
        (result.examples.length > 0 ? `\nfirst failures:\n${result.examples.join("\n")}\n` : ""),
    );
    await mkdir(resolve(process.cwd(), "bench-results"), { recursive: true });
    await writeFile(
      resolve(process.cwd(), "bench-results", "sidecar-reads.json"),
      `${JSON.stringify({ benchmark: "sidecar-reads", at: new Date().toISOString(), ...result }, null, 2)}\n`,
    );
  } finally {
    await stack.stop();
    await model.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
