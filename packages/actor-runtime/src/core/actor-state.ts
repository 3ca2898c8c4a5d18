import type { Json } from "@troupe/actor-interfaces";
import type { ActorStateManager } from "../api.ts";
import { wireCopy } from "./json.ts";
import type { StateBackend, StateOperation } from "./state-backend.ts";

/**
 * The committed state of one activation: a read-through cache over the backend. Only transactions write
 * to it, after the backend accepted the write.
 */
export class ActivationState {
  private readonly cache = new Map<string, Json | undefined>();

  constructor(
    private readonly backend: StateBackend,
    readonly type: string,
    readonly id: string,
  ) {}

  async read(key: string): Promise<Json | undefined> {
    if (this.cache.has(key)) return this.cache.get(key);
    const value = await this.backend.get(this.type, this.id, key);
    this.cache.set(key, value);
    return value;
  }

  async commit(operations: readonly StateOperation[]): Promise<void> {
    if (operations.length === 0) return;
    await this.backend.apply(this.type, this.id, operations);
    for (const o of operations) this.cache.set(o.key, o.op === "upsert" ? o.value : undefined);
  }

  /** Forgets every cached value: the next reads go to the backend. */
  dropCache(): void {
    this.cache.clear();
  }

  /** Starts the buffered changes of one call. */
  begin(): StateTransaction {
    return new StateTransaction(this);
  }
}

type Pending = { op: "upsert"; value: Json } | { op: "delete" };

/**
 * Per-call state: `set`/`delete` are buffered and visible to this call's own reads; `commit` writes them
 * in one backend transaction, `discard` forgets them. Values are copied in and out, so mutating an object
 * after `set` or after `get` never changes stored state behind the runtime's back.
 */
export class StateTransaction implements ActorStateManager {
  private pending = new Map<string, Pending>();
  private closed = false;

  constructor(private readonly activation: ActivationState) {}

  async get<T extends Json>(key: string): Promise<T | undefined> {
    const change = this.pending.get(key);
    if (change) return change.op === "upsert" ? wireCopy(change.value as T) : undefined;
    return wireCopy((await this.activation.read(key)) as T | undefined);
  }

  set<T extends Json>(key: string, value: T): void {
    this.assertOpen(key);
    if (value === undefined) throw new TypeError(`state value for "${key}" must be JSON, got undefined`);
    this.pending.set(key, { op: "upsert", value: wireCopy(value) });
  }

  delete(key: string): void {
    this.assertOpen(key);
    this.pending.set(key, { op: "delete" });
  }

  async flush(): Promise<void> {
    const operations: StateOperation[] = [...this.pending].map(([key, p]) =>
      p.op === "upsert" ? { op: "upsert", key, value: p.value } : { op: "delete", key },
    );
    await this.activation.commit(operations);
    this.pending = new Map();
  }

  /** Commits the remaining changes and ends the transaction. */
  async commit(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Forgets the buffered changes and ends the transaction. */
  discard(): void {
    this.pending = new Map();
    this.closed = true;
  }

  private assertOpen(key: string): void {
    if (this.closed)
      throw new Error(`state "${key}" changed after the actor call ended; await your work inside the call`);
  }

  get hasChanges(): boolean {
    return this.pending.size > 0;
  }
}
