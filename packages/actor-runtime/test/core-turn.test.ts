/**
 * The turn both runtimes share: one state transaction per turn, committed on success, discarded on a
 * throw, and the read cache dropped after any failure.
 */
import { describe, expect, it } from "vitest";
import { ActivationState } from "../src/core/actor-state.ts";
import { currentCallContext } from "../src/core/call-context.ts";
import { createMemoryBackend } from "../src/core/memory-backend.ts";
import type { StateBackend } from "../src/core/state-backend.ts";
import { runTurn, turnStateManager } from "../src/core/turn.ts";

/** A memory backend that counts reads and can fail its next write after storing it (a lost answer). */
function observedBackend() {
  const base = createMemoryBackend();
  const observed = {
    reads: 0,
    loseNextAnswer: false,
    backend: {
      ...base,
      get: (type, id, key) => {
        observed.reads++;
        return base.get(type, id, key);
      },
      apply: async (type, id, operations) => {
        await base.apply(type, id, operations);
        if (observed.loseNextAnswer) {
          observed.loseNextAnswer = false;
          throw new Error("connection reset after the write");
        }
      },
    } satisfies StateBackend,
  };
  return observed;
}

const chain = { chainId: "chain-1", depth: 1 };

describe("runTurn", () => {
  it("runs the work in a call context of this actor and commits its changes", async () => {
    const { backend } = observedBackend();
    const state = new ActivationState(backend, "T", "1");
    const ctxState = turnStateManager("T", "1");
    const seen = await runTurn(state, chain, async () => {
      ctxState.set("a", 1);
      return currentCallContext();
    });
    expect(seen).toMatchObject({ chainId: "chain-1", depth: 1, actorKey: "T||1" });
    expect(await backend.get("T", "1", "a")).toBe(1);
  });

  it("discards the changes of a turn that throws and rethrows the error as is", async () => {
    const { backend } = observedBackend();
    const state = new ActivationState(backend, "T", "1");
    const ctxState = turnStateManager("T", "1");
    const failure = new Error("on purpose");
    const thrown = await runTurn(state, chain, () => {
      ctxState.set("a", 1);
      return Promise.reject(failure);
    }).catch((error: unknown) => error);
    expect(thrown).toBe(failure);
    expect(await backend.get("T", "1", "a")).toBeUndefined();
  });

  it("reads from the store again after a failed turn: a failed commit may have reached it", async () => {
    const observed = observedBackend();
    const state = new ActivationState(observed.backend, "T", "1");
    const ctxState = turnStateManager("T", "1");
    await runTurn(state, chain, async () => ctxState.set("a", 1));
    expect(await runTurn(state, chain, () => ctxState.get("a"))).toBe(1);
    const readsWhileCached = observed.reads;

    observed.loseNextAnswer = true;
    await expect(runTurn(state, chain, async () => ctxState.set("a", 2))).rejects.toThrow(/connection reset/);

    expect(await runTurn(state, chain, () => ctxState.get("a"))).toBe(2);
    expect(observed.reads).toBe(readsWhileCached + 1);
  });
});

describe("turnStateManager", () => {
  it("refuses use outside a turn of its own actor", async () => {
    const { backend } = observedBackend();
    const own = turnStateManager("T", "1");
    const other = new ActivationState(backend, "T", "2");
    expect(() => own.set("a", 1)).toThrow(/state of T\/1 used outside one of its calls/);
    await expect(runTurn(other, chain, () => own.get("a"))).rejects.toThrow(/used outside one of its calls/);
  });
});
