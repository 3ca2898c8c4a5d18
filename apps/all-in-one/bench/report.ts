/** The tables agent-progress.ts prints: this run's figures per runtime, and beside those measured before. */
import before from "./agent-progress.before.json" with { type: "json" };

export interface Result {
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

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

export function table(r: Result): string {
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

type BeforeFigures = Pick<Result, "stateBytes" | "stateWrites" | "deltaToSseP50" | "deltaToSseP99">;

/** The figures of this run beside those measured before agent progress was made one-way (the JSON file). */
export function comparison(results: Result[]): string {
  const rows = results.flatMap((r) => {
    const then = (before.results as Record<string, BeforeFigures | undefined>)[r.runtime];
    if (!then) return [];
    const ratio = (a: number, b: number) => `${b === 0 ? "∞" : (a / b).toFixed(0)}×`;
    return [
      `| ${r.runtime} | state bytes | ${then.stateBytes} | ${r.stateBytes} | ${ratio(then.stateBytes, r.stateBytes)} |`,
      `| ${r.runtime} | state writes | ${then.stateWrites} | ${r.stateWrites} | ${ratio(then.stateWrites, r.stateWrites)} |`,
      `| ${r.runtime} | delta → SSE p50 ms | ${then.deltaToSseP50} | ${r.deltaToSseP50} | ${ratio(then.deltaToSseP50, r.deltaToSseP50)} |`,
      `| ${r.runtime} | delta → SSE p99 ms | ${then.deltaToSseP99} | ${r.deltaToSseP99} | ${ratio(then.deltaToSseP99, r.deltaToSseP99)} |`,
    ];
  });
  return [
    `Before: ${before.measured}`,
    "| runtime | figure | before | now | before / now |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
