import type { Json } from "@troupe/actor-interfaces";
import { TroupeError } from "@troupe/actor-interfaces";

/**
 * Remembers the outcome of at-most-once tool calls by Idempotency-Key, so a retried call gets the first
 * outcome (result or error) instead of running the tool again. A repeat that arrives while the first call
 * is still running waits for it. The same key with different arguments is a 409.
 *
 * In-memory, per process: an LRU of at most maxEntries keys, each kept for ttlMs. Across replicas it gives
 * no guarantee — a retry routed to another replica, or arriving after a restart or after the TTL, runs the
 * tool again. A shared store (Dapr state with first-write-wins etags) would be needed for that.
 */
export class IdempotencyCache {
  private readonly entries = new Map<
    string,
    { fingerprint: string; outcome: Promise<Json>; expiresAt: number }
  >();

  constructor(
    private readonly options: { ttlMs: number; maxEntries: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `fn` once per (scope, key); later calls within the TTL share its outcome. */
  run(scope: string, key: string, args: Json, fn: () => Promise<Json>): Promise<Json> {
    const id = `${scope}\u0000${key}`;
    const fingerprint = JSON.stringify(args);
    const now = this.now();
    const existing = this.entries.get(id);
    if (existing && existing.expiresAt > now) {
      if (existing.fingerprint !== fingerprint) {
        return Promise.reject(
          new TroupeError(
            "idempotency_conflict",
            `Idempotency-Key "${key}" was already used with different arguments`,
            409,
          ),
        );
      }
      this.entries.delete(id); // refresh LRU position
      this.entries.set(id, existing);
      return existing.outcome;
    }
    const outcome = fn();
    outcome.catch(() => {}); // the caller handles it; avoid an unhandled rejection for stored failures
    this.entries.delete(id);
    this.entries.set(id, { fingerprint, outcome, expiresAt: now + this.options.ttlMs });
    this.evict(now);
    return outcome;
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(now: number): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && entry.expiresAt > now) break;
      this.entries.delete(id);
    }
  }
}
