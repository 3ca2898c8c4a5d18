import type { Json } from "@troupe/actor-interfaces";
import { describe, expect, it } from "vitest";
import type { ActorStateManager } from "../src/api.ts";
import { ChunkedLog } from "../src/chunked-log.ts";

/** Actor state as a plain map (what a turn's state manager looks like to the log). */
function mapState(): ActorStateManager & { data: Map<string, Json> } {
  const data = new Map<string, Json>();
  return {
    data,
    get: async <T extends Json>(key: string) => data.get(key) as T | undefined,
    set: (key, value) => void data.set(key, value),
    delete: (key) => void data.delete(key),
    flush: async () => {},
  };
}

describe("ChunkedLog", () => {
  it("pages items across chunks, oldest first", async () => {
    const state = mapState();
    const log = new ChunkedLog<number>(state, "log", 50);
    await log.append(Array.from({ length: 120 }, (_, i) => i));
    const { items, from } = await log.page(30, 70);
    expect(from).toBe(40);
    expect(items).toEqual(Array.from({ length: 30 }, (_, i) => 40 + i));
  });

  it("reports a chunk the store lost instead of returning a page with a hole", async () => {
    const state = mapState();
    const log = new ChunkedLog<number>(state, "log", 50);
    await log.append(Array.from({ length: 120 }, (_, i) => i));
    state.data.delete("log:1");
    await expect(log.page(500)).rejects.toThrow("log: item 50 is missing from the state store");
    await expect(log.range(60, 5)).rejects.toThrow("item 60 is missing");
    expect(await log.range(0, 3)).toEqual([0, 1, 2].map((i) => ({ index: i, item: i })));
    expect((await log.page(10)).items).toEqual(Array.from({ length: 10 }, (_, i) => 110 + i));
  });
});
