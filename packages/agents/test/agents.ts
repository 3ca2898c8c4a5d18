/**
 * The agents the suite runs. Tests coordinate with them through `probe` (in-process deferreds and
 * records): both harnesses host the actors in the test process, so no wall clock is ever needed.
 */
import type { Json } from "@troupe/actor-interfaces";
import { AgentCancelledError, defineAgent, type AnyAgent } from "../src/index.ts";

export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export const probe = {
  /** Opened when a `blocker` starts executing. */
  blockerEntered: gate(),
  /** Opened when `gatedLoser` enters its onStarted hook. */
  loserEntered: gate(),
  /** Held by `gatedLoser`'s onStarted hook; opened by the test after the race. */
  loserHook: gate(),
  /** Side effects: agent names appended when their `execute` runs past the point that matters. */
  effects: [] as string[],
  active: 0,
  maxActive: 0,
  reset() {
    this.blockerEntered = gate();
    this.loserEntered = gate();
    this.loserHook = gate();
    this.effects = [];
    this.active = 0;
    this.maxActive = 0;
  },
};

export const echo = defineAgent<Json, { echo: Json }>({
  name: "echo",
  description: "returns its input",
  inputSchema: { type: "object" },
  async execute(input) {
    return { echo: input };
  },
});

export const twoProgress = defineAgent<Json, string>({
  name: "twoProgress",
  async execute(_input, ctx) {
    await ctx.progress({ step: 1 });
    await ctx.progress({ step: 2 });
    return "done";
  },
});

export const chunks = defineAgent<Json, Json>({
  name: "chunks",
  async *execute() {
    yield "a";
    yield "b";
    yield "c";
    return undefined;
  },
});

export const chunksThenResult = defineAgent<Json, string>({
  name: "chunksThenResult",
  async *execute() {
    yield "x";
    yield "y";
    return "final";
  },
});

/** Throws; with `afterBlocker`, only once a `blocker` sibling is executing (so it is cancelled mid-work). */
export const fail = defineAgent<{ msg: string; afterBlocker?: boolean }, never>({
  name: "fail",
  async execute({ msg, afterBlocker }) {
    if (afterBlocker) await probe.blockerEntered.promise;
    throw new Error(`boom: ${msg}`);
  },
});

/** Runs until cancelled; records "blocker:cancelled" when its signal aborts. */
export const blocker = defineAgent<Json, never>({
  name: "blocker",
  async execute(_input, ctx) {
    probe.blockerEntered.open();
    return new Promise<never>((_, reject) =>
      ctx.signal.addEventListener("abort", () => {
        probe.effects.push("blocker:cancelled");
        reject(new AgentCancelledError("stopped"));
      }),
    );
  },
});

/** A race loser that is cancelled while its onStarted hook still runs: its execute must never run. */
export const gatedLoser = defineAgent<Json, string>({
  name: "gatedLoser",
  async onStarted() {
    probe.loserEntered.open();
    await probe.loserHook.promise;
  },
  async execute() {
    probe.effects.push("gatedLoser:executed");
    return "loser";
  },
});

/** Wins a race only once its rival has started: `gatedLoser` entered its hook, or `blocker` its execute. */
export const winnerAfter = defineAgent<{ rival: "gatedLoser" | "blocker" }, string>({
  name: "winnerAfter",
  async execute({ rival }) {
    await (rival === "gatedLoser" ? probe.loserEntered : probe.blockerEntered).promise;
    return "winner";
  },
});

export const double = defineAgent<number, number>({
  name: "double",
  async execute(n) {
    probe.active += 1;
    probe.maxActive = Math.max(probe.maxActive, probe.active);
    probe.effects.push(`double:${n}`);
    await Promise.resolve();
    probe.active -= 1;
    if (n < 0) throw new Error(`negative: ${n}`);
    return n * 2;
  },
});

/** Records its lifecycle: onStarted → execute → onStopped, whatever the outcome. */
export const hooked = defineAgent<{ fail: boolean }, string>({
  name: "hooked",
  async onStarted(ctx) {
    probe.effects.push(`hooked:started:${ctx.taskId}`);
  },
  async execute({ fail }) {
    probe.effects.push("hooked:execute");
    if (fail) throw new Error("hooked failed");
    return "ok";
  },
  async onStopped() {
    probe.effects.push("hooked:stopped");
  },
});

/** Ignores its signal and never settles: a cancelled task must be abandoned, not awaited. */
export const deaf = defineAgent<Json, never>({
  name: "deaf",
  async execute() {
    probe.blockerEntered.open();
    return new Promise<never>(() => undefined);
  },
});

/** Yields one chunk, then never another (a reader that leaves early must cancel it). */
export const endless = defineAgent<Json, never>({
  name: "endless",
  async *execute() {
    yield "first";
    await new Promise<never>(() => undefined);
    return undefined;
  },
});

/** Root → middle → echo, to check parent links and paths. */
export const middle = defineAgent<Json, Json>({
  name: "middle",
  async execute(input, ctx) {
    await ctx.progress("middle working");
    return ctx.ask(echo, input);
  },
});

export const nested = defineAgent<Json, Json>({
  name: "nested",
  async execute(input, ctx) {
    const a = await ctx.ask(middle, input);
    const b = await ctx.ask(echo, "second");
    return [a, b];
  },
});

/** Runs the body given by the test as an agent (one registered name, any orchestration). */
export type Scenario = (ctx: Parameters<AnyAgent["execute"]>[1]) => Promise<Json>;
export const scenarios = new Map<string, Scenario>();

export const orchestrate = defineAgent<{ scenario: string }, Json>({
  name: "orchestrate",
  async execute({ scenario }, ctx) {
    const body = scenarios.get(scenario);
    if (!body) throw new Error(`no scenario ${scenario}`);
    return body(ctx);
  },
});

export const allAgents: AnyAgent[] = [
  echo,
  twoProgress,
  chunks,
  chunksThenResult,
  fail,
  blocker,
  gatedLoser,
  winnerAfter,
  double,
  middle,
  nested,
  orchestrate,
  hooked,
  deaf,
  endless,
];

/** What a caught error looks like in a scenario's output. */
export function describeError(err: unknown): Json {
  const e = err as Error & { errors?: Error[]; errorName?: string };
  return {
    name: e.name,
    message: e.message,
    ...(e.errorName ? { errorName: e.errorName } : {}),
    ...(e.errors ? { errors: e.errors.map((x) => x.message) } : {}),
  };
}
