import { describe, expect, it } from "vitest";
import { ActivationState } from "../src/core/actor-state.ts";
import { Cancellation } from "../src/core/cancel.ts";
import { parseDuration } from "../src/core/duration.ts";
import { createMemoryBackend } from "../src/core/memory-backend.ts";
import type { StateBackend } from "../src/core/state-backend.ts";
import { StackDepthError, TurnLock } from "../src/core/turn-lock.ts";

describe("parseDuration", () => {
  it.each([
    ["0", 0],
    ["250ms", 250],
    ["2s", 2_000],
    ["1.5s", 1_500],
    ["1m30s", 90_000],
    ["1h0m5s", 3_605_000],
    ["1500us", 2],
    ["PT1M30S", 90_000],
    ["P1D", 86_400_000],
    ["PT0.5S", 500],
    [1234, 1234],
  ])("%s -> %i ms", (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(["", "5", "5x", "s", "-1s", "1s garbage", "P", "PT", -1, Number.NaN])("rejects %s", (input) => {
    expect(() => parseDuration(input)).toThrow(/invalid duration/);
  });
});

describe("TurnLock", () => {
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it("serves waiting turns first in, first out", async () => {
    const lock = new TurnLock({ enabled: true, maxStackDepth: 32 });
    const order: number[] = [];
    await lock.acquire("c0");
    const waiters = [1, 2, 3, 4, 5].map((n) =>
      lock.acquire(`c${n}`).then(() => {
        order.push(n);
        lock.release();
      }),
    );
    await settle();
    expect(order).toEqual([]);
    lock.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(lock.busy).toBe(false);
  });

  it("lets the holding chain re-enter, up to maxStackDepth", async () => {
    const lock = new TurnLock({ enabled: true, maxStackDepth: 2 });
    await lock.acquire("chain");
    await lock.acquire("chain");
    await expect(lock.acquire("chain")).rejects.toBeInstanceOf(StackDepthError);
    lock.release();
    lock.release();
    expect(lock.busy).toBe(false);
  });

  it("queues the holding chain like any other when reentrancy is disabled", async () => {
    const lock = new TurnLock({ enabled: false, maxStackDepth: 32 });
    await lock.acquire("chain");
    let entered = false;
    const again = lock.acquire("chain").then(() => (entered = true));
    await settle();
    expect(entered).toBe(false);
    lock.release();
    await again;
    expect(entered).toBe(true);
  });

  it("takes a cancelled waiter out of the queue without running it", async () => {
    const lock = new TurnLock({ enabled: true, maxStackDepth: 32 });
    await lock.acquire("a");
    const cancellation = new Cancellation();
    const aborted = lock.acquire("b", cancellation);
    const next = lock.acquire("c");
    cancellation.cancel(new Error("gave up"));
    await expect(aborted).rejects.toThrow("gave up");
    expect(lock.waiting).toBe(1);
    lock.release();
    await next;
    lock.release();
    expect(lock.busy).toBe(false);
  });
});

describe("state transactions", () => {
  const setup = () => {
    const backend = createMemoryBackend();
    return { backend, activation: new ActivationState(backend, "T", "1") };
  };

  it("buffers changes until commit and shows them to the same call", async () => {
    const { backend, activation } = setup();
    const tx = activation.begin();
    tx.set("a", { n: 1 });
    expect(await tx.get("a")).toEqual({ n: 1 });
    expect(await backend.get("T", "1", "a")).toBeUndefined();
    await tx.commit();
    expect(await backend.get("T", "1", "a")).toEqual({ n: 1 });
  });

  it("discards changes of a failed call", async () => {
    const { backend, activation } = setup();
    const ok = activation.begin();
    ok.set("a", 1);
    await ok.commit();
    const failed = activation.begin();
    failed.set("a", 2);
    failed.delete("a");
    failed.set("b", 3);
    failed.discard();
    expect(await activation.begin().get("a")).toBe(1);
    expect(await backend.get("T", "1", "b")).toBeUndefined();
  });

  it("flush commits early and keeps the transaction open", async () => {
    const { backend, activation } = setup();
    const tx = activation.begin();
    tx.set("a", 1);
    await tx.flush();
    expect(await backend.get("T", "1", "a")).toBe(1);
    tx.set("a", 2);
    tx.discard();
    expect(await backend.get("T", "1", "a")).toBe(1);
  });

  it("copies values in and out, so callers cannot mutate stored state", async () => {
    const { activation } = setup();
    const tx = activation.begin();
    const value = { list: [1] };
    tx.set("v", value);
    value.list.push(2);
    const read = (await tx.get<{ list: number[] }>("v")) ?? { list: [] };
    read.list.push(3);
    expect(await tx.get("v")).toEqual({ list: [1] });
  });

  it("rejects changes after the call ended", async () => {
    const { activation } = setup();
    const tx = activation.begin();
    await tx.commit();
    expect(() => tx.set("late", 1)).toThrow(/after the actor call ended/);
  });

  it("writes one transaction with all operations, and none when the backend fails", async () => {
    const calls: unknown[] = [];
    const base = createMemoryBackend();
    const failing: StateBackend = {
      ...base,
      apply: (type, id, ops) => {
        calls.push(ops);
        return Promise.reject(new Error("store down"));
      },
    };
    const activation = new ActivationState(failing, "T", "1");
    const tx = activation.begin();
    tx.set("a", 1);
    tx.delete("b");
    await expect(tx.commit()).rejects.toThrow("store down");
    expect(calls).toEqual([
      [
        { op: "upsert", key: "a", value: 1 },
        { op: "delete", key: "b" },
      ],
    ]);
    expect(await activation.begin().get("a")).toBeUndefined();
  });
});
