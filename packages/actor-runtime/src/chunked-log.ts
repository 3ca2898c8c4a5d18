import type { Json } from "@troupe/actor-interfaces";
import type { ActorStateManager } from "./api.ts";

interface LogMeta {
  /** Index of the first live item (items before it were cleared). */
  start: number;
  /** Index one past the last item. */
  end: number;
}

/**
 * An append-only log kept in actor state as fixed-size chunks, so appending item n reads and writes one
 * chunk whatever n is (no read-modify-write of the whole history), and reading the newest page touches at
 * most two chunks. Keys: `{prefix}:meta` and `{prefix}:{chunkNumber}`.
 */
export class ChunkedLog<T extends Json> {
  constructor(
    private readonly state: ActorStateManager,
    private readonly prefix: string,
    private readonly chunkSize = 50,
  ) {}

  async meta(): Promise<LogMeta> {
    return (
      (await this.state.get<{ start: number; end: number }>(`${this.prefix}:meta`)) ?? { start: 0, end: 0 }
    );
  }

  async append(items: readonly T[]): Promise<LogMeta> {
    const meta = await this.meta();
    const touched = new Map<number, (T | null)[]>();
    let index = meta.end;
    for (const item of items) {
      const chunkNo = Math.floor(index / this.chunkSize);
      let chunk = touched.get(chunkNo);
      if (!chunk) touched.set(chunkNo, (chunk = [...(await this.chunk(chunkNo))]));
      const position = index - chunkNo * this.chunkSize;
      while (chunk.length < position) chunk.push(null);
      chunk[position] = item;
      index += 1;
    }
    for (const [chunkNo, chunk] of touched) this.state.set(this.chunkKey(chunkNo), chunk);
    const next = { start: meta.start, end: index };
    this.state.set(`${this.prefix}:meta`, next);
    return next;
  }

  /** The newest `limit` items with index < `before` (default: all), oldest first. */
  async page(limit: number, before?: number): Promise<{ items: T[]; from: number; meta: LogMeta }> {
    const meta = await this.meta();
    const hi = Math.max(meta.start, Math.min(before ?? meta.end, meta.end));
    const lo = Math.max(meta.start, hi - limit);
    if (hi <= lo) return { items: [], from: lo, meta };
    const first = Math.floor(lo / this.chunkSize);
    const last = Math.floor((hi - 1) / this.chunkSize);
    const chunks = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.chunk(first + i)),
    );
    const flat = chunks.flatMap((chunk, i) =>
      Array.from({ length: this.chunkSize }, (_, p) => ({
        index: (first + i) * this.chunkSize + p,
        item: chunk[p],
      })),
    );
    const inRange = flat.filter((e) => e.index >= lo && e.index < hi);
    const lost = inRange.find((e) => e.item == null);
    // The meta says the item exists: a missing one is lost data, reported, never a silent hole in a page.
    if (lost) throw new Error(`${this.prefix}: item ${lost.index} is missing from the state store`);
    return { items: inRange.map((e) => e.item as T), from: lo, meta };
  }

  /** Items with `from <= index < from + limit`, oldest first, with their indices. */
  async range(from: number, limit: number): Promise<{ index: number; item: T }[]> {
    const meta = await this.meta();
    const lo = Math.max(from, meta.start);
    const hi = Math.min(from + limit, meta.end);
    if (hi <= lo) return [];
    const { items } = await this.page(hi - lo, hi);
    return items.map((item, i) => ({ index: lo + i, item }));
  }

  /** Drops every item; returns how many there were. Indices keep growing, so cursors stay unambiguous. */
  async clear(): Promise<number> {
    const meta = await this.meta();
    if (meta.end === meta.start) return 0;
    const first = Math.floor(meta.start / this.chunkSize);
    const last = Math.floor((meta.end - 1) / this.chunkSize);
    for (let k = first; k <= last; k++) this.state.delete(this.chunkKey(k));
    this.state.set(`${this.prefix}:meta`, { start: meta.end, end: meta.end });
    return meta.end - meta.start;
  }

  private async chunk(chunkNo: number): Promise<readonly (T | null)[]> {
    return (await this.state.get<(T | null)[]>(this.chunkKey(chunkNo))) ?? [];
  }

  private chunkKey(chunkNo: number): string {
    return `${this.prefix}:${chunkNo}`;
  }
}

/**
 * Remembers which event keys were applied (a bounded window of the most recent ones), so a redelivered
 * event is acknowledged without being applied twice. State key: `{key}`.
 */
export class AppliedSet {
  constructor(
    private readonly state: ActorStateManager,
    private readonly key: string,
    private readonly capacity = 1024,
  ) {}

  async has(eventKey: string): Promise<boolean> {
    return (await this.keys()).includes(eventKey);
  }

  async add(eventKey: string): Promise<void> {
    const keys = [...(await this.keys()), eventKey];
    this.state.set(this.key, keys.slice(-this.capacity));
  }

  private async keys(): Promise<string[]> {
    return (await this.state.get<string[]>(this.key)) ?? [];
  }
}
