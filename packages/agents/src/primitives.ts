import type { Json } from "@troupe/actor-interfaces";
import { reasonOf } from "./abort.ts";
import type { AnyAgent, InputOf, OutputOf } from "./agent.ts";
import type { Spawn } from "./context.ts";
import { AgentCancelledError, AgentConfigError, QuorumFailedError, RaceFailedError } from "./errors.ts";

/** One child call: the agent and its input. */
export type Call<A extends AnyAgent = AnyAgent> = readonly [agent: A, input: InputOf<A>];

type Outputs<T extends readonly Call[]> = { -readonly [K in keyof T]: OutputOf<T[K][0]> };

export type StreamItem<O> = { type: "chunk"; chunk: Json } | { type: "result"; result: O };

export interface Quorum<O> {
  /** Outputs of the children that succeeded, in the order the children were given. */
  succeeded: O[];
  failed: Error[];
}

/**
 * The orchestration primitives. Every one is structured: it settles only after each child it started has
 * ended, so cancelled children are gone (state removed, `task_cancelled` recorded) when it returns.
 */
export interface Primitives {
  /** All children at once; outputs in order. The first failure cancels the rest and is thrown. */
  sequence<const T extends readonly Call[]>(calls: T): Promise<Outputs<T>>;
  /** Maps `items` through `agent`, at most `concurrency` (default 4) at a time; fails fast like sequence. */
  traverse<A extends AnyAgent>(
    items: readonly InputOf<A>[],
    agent: A,
    options?: { concurrency?: number },
  ): Promise<OutputOf<A>[]>;
  /** First success wins and the rest are cancelled; all failing throws RaceFailedError with every error. */
  race<const T extends readonly Call[]>(calls: T): Promise<OutputOf<T[number][0]>>;
  /** Both at once, as a typed pair; a failure cancels the other. */
  zip<A extends AnyAgent, B extends AnyAgent>(a: Call<A>, b: Call<B>): Promise<[OutputOf<A>, OutputOf<B>]>;
  /** The child's chunks as they come, then its result; leaving the loop early cancels the child. */
  stream<A extends AnyAgent>(agent: A, input: InputOf<A>): AsyncIterable<StreamItem<OutputOf<A>>>;
  /** Quorum: all children run; fewer than `n` successes throws QuorumFailedError ("Quorum failed ..."). */
  atLeast<const T extends readonly Call[]>(n: number, calls: T): Promise<Quorum<OutputOf<T[number][0]>>>;
}

export function createPrimitives(spawn: Spawn, parentSignal: AbortSignal): Primitives {
  /** A group of children cancelled together; `cancel` keeps the first reason. */
  const group = () => {
    const controller = new AbortController();
    return {
      signal: AbortSignal.any([parentSignal, controller.signal]),
      cancel: (reason: string) => {
        if (!controller.signal.aborted) controller.abort(new AgentCancelledError(reason));
      },
    };
  };
  /** The task's own cancellation wins over any child's error it caused. */
  const ownCancellation = () => (parentSignal.aborted ? reasonOf(parentSignal) : undefined);

  const failFast = async (count: number, start: (i: number, signal: AbortSignal) => Promise<Json>) => {
    const g = group();
    let first: Error | undefined;
    const results: Json[] = new Array<Json>(count);
    const runs = Array.from({ length: count }, (_, i) => start(i, g.signal));
    await Promise.allSettled(
      runs.map((run, i) =>
        run.then(
          (value) => (results[i] = value),
          (err: unknown) => {
            if (first === undefined && !g.signal.aborted) first = asError(err);
            g.cancel("a sibling failed");
          },
        ),
      ),
    );
    const own = ownCancellation();
    if (own) throw own;
    if (first !== undefined) throw first;
    return results;
  };

  return {
    async sequence(calls) {
      const results = await failFast(calls.length, (i, signal) => {
        const call = calls[i] as Call;
        return spawn(call[0], call[1] as Json, { signal });
      });
      return results as Outputs<typeof calls>;
    },

    async traverse(items, agent, options = {}) {
      const concurrency = options.concurrency ?? 4;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new AgentConfigError(`traverse: concurrency must be a positive integer (got ${concurrency})`);
      }
      let next = 0;
      const results: Json[] = new Array<Json>(items.length);
      await failFast(Math.min(concurrency, items.length), async (_worker, signal) => {
        // Items not taken before a failure are never started.
        while (next < items.length && !signal.aborted) {
          const i = next++;
          results[i] = await spawn(agent, items[i] as Json, { signal });
        }
        return null;
      });
      return results as OutputOf<typeof agent>[];
    },

    async race(calls) {
      if (calls.length === 0) throw new AgentConfigError("race needs at least one child");
      const g = group();
      let won = false;
      let winner: Json = null;
      const errors: Error[] = new Array<Error>(calls.length);
      await Promise.allSettled(
        calls.map(([agent, input], i) =>
          spawn(agent, input as Json, { signal: g.signal }).then(
            (value) => {
              if (won) return;
              won = true;
              winner = value;
              g.cancel("lost the race");
            },
            (err: unknown) => (errors[i] = asError(err)),
          ),
        ),
      );
      const own = ownCancellation();
      if (own) throw own;
      if (won) return winner as OutputOf<(typeof calls)[number][0]>;
      throw new RaceFailedError(errors);
    },

    async zip(a, b) {
      const results = await failFast(2, (i, signal) => {
        const call: Call = i === 0 ? a : b;
        return spawn(call[0], call[1] as Json, { signal });
      });
      return results as [OutputOf<(typeof a)[0]>, OutputOf<(typeof b)[0]>];
    },

    stream(agent, input) {
      return streamChild(spawn, group(), agent, input) as AsyncIterable<StreamItem<OutputOf<typeof agent>>>;
    },

    async atLeast(n, calls) {
      if (calls.length === 0) throw new AgentConfigError("atLeast needs at least one child");
      if (!Number.isInteger(n) || n < 1)
        throw new AgentConfigError(`atLeast: n must be at least 1 (got ${n})`);
      if (n > calls.length) {
        throw new AgentConfigError(
          `atLeast: n (${n}) is greater than the number of children (${calls.length})`,
        );
      }
      const outcomes = await Promise.allSettled(
        calls.map(([agent, input]) => spawn(agent, input as Json, { signal: parentSignal })),
      );
      const own = ownCancellation();
      if (own) throw own;
      const succeeded = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      const failed = outcomes.flatMap((o) => (o.status === "rejected" ? [asError(o.reason)] : []));
      if (succeeded.length < n) throw new QuorumFailedError(n, failed, succeeded.length);
      return { succeeded, failed } as Quorum<OutputOf<(typeof calls)[number][0]>>;
    },
  };
}

async function* streamChild(
  spawn: Spawn,
  g: { signal: AbortSignal; cancel(reason: string): void },
  agent: AnyAgent,
  input: Json,
): AsyncGenerator<StreamItem<Json>> {
  const queue: Json[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const result = spawn(agent, input, {
    signal: g.signal,
    onChunk: (chunk) => {
      queue.push(chunk);
      wake?.();
    },
  }).finally(() => {
    done = true;
    wake?.();
  });
  result.catch(() => undefined);
  try {
    for (;;) {
      while (queue.length > 0) yield { type: "chunk", chunk: queue.shift() as Json };
      if (done) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    yield { type: "result", result: await result };
  } finally {
    if (!done) {
      g.cancel("the stream's reader stopped");
      await result.catch(() => undefined);
    }
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
