/**
 * The agent layer's behaviour, run on every runtime (embedded, Dapr). After every test no AgentTask state
 * may remain in the store: each primitive's children (winners, losers, failures, cancellations) clean up.
 */
import type { Json, TaskEvent } from "@troupe/actor-interfaces";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AgentCancelledError,
  AgentFailedError,
  AgentHost,
  AgentRunner,
  agentRegistrations,
  type AgentRunHandle,
} from "../src/index.ts";
import {
  allAgents,
  blocker,
  chunks,
  chunksThenResult,
  describeError,
  deaf,
  double,
  echo,
  endless,
  hooked,
  fail,
  gatedLoser,
  nested,
  orchestrate,
  probe,
  scenarios,
  twoProgress,
  winnerAfter,
  type Scenario,
} from "./agents.ts";
import type { AgentHarness } from "./harness.ts";

async function collect(handle: AgentRunHandle<unknown>): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return events;
}

const kinds = (events: TaskEvent[]) => events.map((e) => `${e.agent}:${e.type}`);

export function defineAgentSuite(name: string, makeHarness: () => AgentHarness): void {
  describe(`agents on ${name}`, () => {
    const harness = makeHarness();
    const host = new AgentHost(allAgents);
    let runner: AgentRunner;
    let scenarioNo = 0;

    const deepScenario = "deep";
    scenarios.set(deepScenario, (ctx) => ctx.ask(blocker, null));

    const runScenario = (body: Scenario) => {
      const scenario = `s${++scenarioNo}`;
      scenarios.set(scenario, body);
      return runner.run(orchestrate, { scenario });
    };

    beforeAll(async () => {
      await harness.start(agentRegistrations(host));
      runner = new AgentRunner(harness.client(), { host });
    });
    afterAll(() => harness.stop());
    beforeEach(() => probe.reset());
    afterEach(async () => {
      expect(await harness.taskStateKeys()).toEqual([]);
      expect(host.running.size).toBe(0);
      expect(host.waiting.size).toBe(0);
    });

    it("runs a value agent and numbers its events per run", async () => {
      const handle = runner.run(echo, { hi: 1 });
      expect(await handle.result).toEqual({ echo: { hi: 1 } });
      const events = await collect(handle);
      expect(kinds(events)).toEqual(["echo:task_started", "echo:task_completed"]);
      expect(events.map((e) => e.seq)).toEqual([1, 2]);
      expect(events[0]).toMatchObject({
        runId: handle.runId,
        taskId: "0",
        parentTaskId: null,
        path: ["echo"],
      });
    });

    it("orders a single agent's events: started, progress, progress, completed", async () => {
      const handle = runner.run(twoProgress, null);
      const events = await collect(handle);
      expect(kinds(events)).toEqual([
        "twoProgress:task_started",
        "twoProgress:task_progress",
        "twoProgress:task_progress",
        "twoProgress:task_completed",
      ]);
      expect(events.map((e) => e.data).slice(1, 3)).toEqual([{ step: 1 }, { step: 2 }]);
      expect(await handle.result).toBe("done");
    });

    it("collects a generator's chunks as its output, or takes its return value", async () => {
      const list = runner.run(chunks, null);
      expect(await list.result).toEqual(["a", "b", "c"]);
      const chunkEvents = (await collect(list)).filter((e) => e.type === "task_chunk");
      expect(chunkEvents.map((e) => e.data)).toEqual(["a", "b", "c"]);
      expect(await runner.run(chunksThenResult, null).result).toBe("final");
    });

    it("links every child to its parent task and extends the path", async () => {
      const handle = runner.run(nested, "hello");
      expect(await handle.result).toEqual([{ echo: "hello" }, { echo: "second" }]);
      const events = await collect(handle);
      const started = events.filter((e) => e.type === "task_started");
      expect(started.map((e) => e.path)).toEqual([
        ["nested"],
        ["nested", "middle"],
        ["nested", "middle", "echo"],
        ["nested", "echo"],
      ]);
      const byTask = new Map(started.map((e) => [e.taskId, e]));
      for (const child of started.slice(1)) {
        const parent = byTask.get(child.parentTaskId ?? "");
        expect(parent?.path).toEqual(child.path.slice(0, -1));
      }
      expect(new Set(started.map((e) => e.taskId)).size).toBe(4);
      // A parent ends after its children.
      const ends = events.filter((e) => e.type === "task_completed").map((e) => e.path.join("/"));
      expect(ends).toEqual(["nested/middle/echo", "nested/middle", "nested/echo", "nested"]);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    });

    it("fails a root with the agent's error, typed, and an unknown agent clearly", async () => {
      const failed = runner.run(fail, { msg: "root" });
      const error = await failed.result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentFailedError);
      expect(error).toMatchObject({ agent: "fail", errorName: "Error", message: "boom: root" });
      expect(kinds(await collect(failed))).toEqual(["fail:task_started", "fail:task_failed"]);
      const unknown = await runner
        .run({ name: "nope", execute: async () => null }, null)
        .result.catch((e) => e);
      expect(unknown).toMatchObject({ errorName: "AgentConfigError", message: 'unknown agent "nope"' });
    });

    it("sequence: outputs in order; the first failure cancels the rest and is thrown", async () => {
      const ok = runScenario((ctx) =>
        ctx.sequence([
          [echo, 1],
          [chunks, null],
          [echo, 3],
        ] as const),
      );
      expect(await ok.result).toEqual([{ echo: 1 }, ["a", "b", "c"], { echo: 3 }]);
      const bad = runScenario(async (ctx) => {
        await ctx
          .sequence([
            [blocker, null],
            [fail, { msg: "seq", afterBlocker: true }],
          ] as const)
          .catch((e: unknown) => {
            throw e;
          });
        return "unreachable";
      });
      await expect(bad.result).rejects.toMatchObject({ name: "AgentFailedError", message: "boom: seq" });
      expect(probe.effects).toEqual(["blocker:cancelled"]);
      expect(kinds(await collect(bad))).toContain("blocker:task_cancelled");
    });

    it("traverse: maps items in order within the concurrency limit; a failure stops new items", async () => {
      const ok = runScenario((ctx) => ctx.traverse([1, 2, 3, 4, 5], double, { concurrency: 2 }));
      expect(await ok.result).toEqual([2, 4, 6, 8, 10]);
      expect(probe.maxActive).toBeLessThanOrEqual(2);
      probe.reset();
      const bad = runScenario((ctx) =>
        ctx.traverse([1, -2, 3, 4], double, { concurrency: 1 }).catch((e: unknown) => describeError(e)),
      );
      expect(await bad.result).toMatchObject({ name: "AgentFailedError", message: "negative: -2" });
      expect(probe.effects).toEqual(["double:1", "double:-2"]);
      const invalid = runScenario((ctx) =>
        ctx.traverse([1], double, { concurrency: 0 }).catch((e: unknown) => describeError(e)),
      );
      expect(await invalid.result).toMatchObject({ name: "AgentConfigError" });
    });

    it("race: the first success wins and a started loser is cancelled", async () => {
      const handle = runScenario((ctx) =>
        ctx.race([
          [blocker, null],
          [winnerAfter, { rival: "blocker" }],
        ] as const),
      );
      expect(await handle.result).toBe("winner");
      expect(probe.effects).toEqual(["blocker:cancelled"]);
      const events = await collect(handle);
      expect(kinds(events)).toContain("blocker:task_cancelled");
      expect(kinds(events).at(-1)).toBe("orchestrate:task_completed");
    });

    it("race: a loser cancelled before its work began never runs it", async () => {
      const handle = runScenario((ctx) =>
        ctx.race([
          [gatedLoser, null],
          [winnerAfter, { rival: "gatedLoser" }],
        ] as const),
      );
      expect(await handle.result).toBe("winner");
      // The loser entered its hook before the race was decided; releasing the hook now must not run it.
      probe.loserHook.open();
      await new Promise((resolve) => setImmediate(resolve));
      expect(probe.effects).toEqual([]);
      expect(kinds(await collect(handle))).toContain("gatedLoser:task_cancelled");
    });

    it("race: all failing rejects with every error; an empty race is a clear error", async () => {
      const all = runScenario((ctx) =>
        ctx
          .race([
            [fail, { msg: "one" }],
            [fail, { msg: "two" }],
          ] as const)
          .catch((e: unknown) => describeError(e)),
      );
      expect(await all.result).toMatchObject({ name: "RaceFailedError", errors: ["boom: one", "boom: two"] });
      const empty = runScenario((ctx) => ctx.race([]).catch((e: unknown) => describeError(e)));
      expect(await empty.result).toEqual({
        name: "AgentConfigError",
        message: "race needs at least one child",
      });
    });

    it("zip: a typed pair; a failure cancels the other", async () => {
      const ok = runScenario(async (ctx) => {
        const [a, b] = await ctx.zip([echo, "left"], [chunksThenResult, null]);
        return { a, b };
      });
      expect(await ok.result).toEqual({ a: { echo: "left" }, b: "final" });
      const bad = runScenario((ctx) =>
        ctx.zip([blocker, null], [fail, { msg: "zip", afterBlocker: true }]).then(
          () => "unreachable",
          (e: unknown) => describeError(e),
        ),
      );
      expect(await bad.result).toMatchObject({ name: "AgentFailedError", message: "boom: zip" });
      expect(probe.effects).toEqual(["blocker:cancelled"]);
    });

    it("stream: the child's chunks in order, then its result", async () => {
      const handle = runScenario(async (ctx) => {
        const items: Json[] = [];
        for await (const item of ctx.stream(chunksThenResult, null)) items.push(item);
        return items;
      });
      expect(await handle.result).toEqual([
        { type: "chunk", chunk: "x" },
        { type: "chunk", chunk: "y" },
        { type: "result", result: "final" },
      ]);
    });

    it("atLeast: a quorum result; too few successes fail; bad arguments are named", async () => {
      const calls = [
        [echo, 1],
        [fail, { msg: "q" }],
        [echo, 3],
      ] as const;
      const ok = runScenario((ctx) =>
        ctx
          .atLeast(2, calls)
          .then((q) => ({ succeeded: q.succeeded, failed: q.failed.map((e) => e.message) })),
      );
      expect(await ok.result).toEqual({ succeeded: [{ echo: 1 }, { echo: 3 }], failed: ["boom: q"] });
      const short = runScenario((ctx) =>
        ctx.atLeast(3, calls).then(
          () => "unreachable",
          (e: unknown) => describeError(e),
        ),
      );
      expect(await short.result).toMatchObject({ name: "QuorumFailedError" });
      expect(((await short.result) as { message: string }).message).toMatch(/^Quorum failed/);
      const message = (p: Promise<unknown>) =>
        p.then(
          () => "unreachable",
          (e: unknown) => (e as Error).message,
        );
      const errors = runScenario(async (ctx) =>
        Promise.all([
          message(ctx.atLeast(0, calls)),
          message(ctx.atLeast(4, calls)),
          message(ctx.atLeast(1, [])),
        ]),
      );
      expect(await errors.result).toEqual([
        "atLeast: n must be at least 1 (got 0)",
        "atLeast: n (4) is greater than the number of children (3)",
        "atLeast needs at least one child",
      ]);
    });

    it("ask: a call past its timeout cancels the child and fails typed", async () => {
      const handle = runScenario((ctx) =>
        ctx.ask(blocker, null, { timeoutMs: 50 }).catch((e: unknown) => describeError(e)),
      );
      expect(await handle.result).toMatchObject({
        name: "AgentTimeoutError",
        message: "blocker timed out after 50 ms",
      });
      expect(kinds(await collect(handle))).toContain("blocker:task_cancelled");
    });

    it("abort: cancels the run's tasks from the leaves up and rejects the result", async () => {
      const handle = runScenario((ctx) => ctx.ask(blocker, null));
      await probe.blockerEntered.promise;
      expect(await runner.abort(handle.runId)).toBe(true);
      await expect(handle.result).rejects.toBeInstanceOf(AgentCancelledError);
      const ends = (await collect(handle)).filter((e) => e.type === "task_cancelled").map((e) => e.agent);
      expect(ends).toEqual(["blocker", "orchestrate"]);
      expect(probe.effects).toEqual(["blocker:cancelled"]);
      expect(await runner.abort(handle.runId)).toBe(false);
    });

    it("runs the hooks around execute, also when it fails", async () => {
      expect(await runner.run(hooked, { fail: false }).result).toBe("ok");
      expect(probe.effects).toEqual(["hooked:started:0", "hooked:execute", "hooked:stopped"]);
      probe.reset();
      await expect(runner.run(hooked, { fail: true }).result).rejects.toMatchObject({
        message: "hooked failed",
      });
      expect(probe.effects).toEqual(["hooked:started:0", "hooked:execute", "hooked:stopped"]);
    });

    it("abandons a cancelled child that ignores its signal", async () => {
      const handle = runScenario((ctx) =>
        ctx.race([
          [deaf, null],
          [winnerAfter, { rival: "blocker" }],
        ] as const),
      );
      expect(await handle.result).toBe("winner");
      expect(kinds(await collect(handle))).toContain("deaf:task_cancelled");
    });

    it("stream: a reader leaving early cancels the child", async () => {
      const handle = runScenario(async (ctx) => {
        for await (const item of ctx.stream(endless, null)) return item;
        return "unreachable";
      });
      expect(await handle.result).toEqual({ type: "chunk", chunk: "first" });
      const seen = (await collect(handle)).filter((e) => e.agent === "endless").map((e) => e.type);
      expect(seen).toEqual(["task_started", "task_chunk", "task_cancelled"]);
    });

    it("abort: reaches a grandchild through its parent", async () => {
      const handle = runScenario((ctx) => ctx.ask(orchestrate, { scenario: deepScenario }));
      await probe.blockerEntered.promise;
      expect(await runner.abort(handle.runId)).toBe(true);
      await expect(handle.result).rejects.toBeInstanceOf(AgentCancelledError);
      const cancelled = (await collect(handle)).filter((e) => e.type === "task_cancelled").map((e) => e.path);
      expect(cancelled).toEqual([
        ["orchestrate", "orchestrate", "blocker"],
        ["orchestrate", "orchestrate"],
        ["orchestrate"],
      ]);
    });

    it("empty fan-outs give empty results", async () => {
      const handle = runScenario(async (ctx) => [await ctx.sequence([]), await ctx.traverse([], echo)]);
      expect(await handle.result).toEqual([[], []]);
    });

    it("keeps two concurrent runs apart", async () => {
      const [a, b] = [runner.run(nested, "a"), runner.run(nested, "b")];
      const [ea, eb] = await Promise.all([collect(a), collect(b)]);
      expect(a.runId).not.toBe(b.runId);
      expect(ea.every((e) => e.runId === a.runId)).toBe(true);
      expect(eb.every((e) => e.runId === b.runId)).toBe(true);
      expect(ea.map((e) => e.seq)).toEqual(ea.map((_, i) => i + 1));
    });
  });
}
