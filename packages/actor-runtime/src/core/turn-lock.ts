import type { Cancellation } from "./cancel.ts";

/**
 * Turn-based concurrency for one actor: one turn at a time, waiting turns served first in, first out.
 * A turn requested by the call chain that currently holds the lock enters at once (reentrancy), up to
 * `maxStackDepth` nested entries, as daprd's actor lock does (`pkg/actors/targets/app/lock`).
 *
 * Contract: every successful `acquire` must be followed by exactly one `release`. A waiter whose
 * cancellation fires leaves the queue and rejects with its reason; it never runs.
 */
export class TurnLock {
  private holder: string | undefined;
  private held = false;
  private depth = 0;
  private readonly queue: { chainId: string; resolve: () => void }[] = [];

  constructor(private readonly reentrancy: { enabled: boolean; maxStackDepth: number }) {}

  get busy(): boolean {
    return this.held || this.queue.length > 0;
  }

  get waiting(): number {
    return this.queue.length;
  }

  acquire(chainId: string, cancellation?: Cancellation): Promise<void> {
    if (!this.held) {
      this.take(chainId);
      return Promise.resolve();
    }
    if (this.reentrancy.enabled && this.holder === chainId) {
      if (this.depth >= this.reentrancy.maxStackDepth) {
        return Promise.reject(new StackDepthError(this.reentrancy.maxStackDepth));
      }
      this.depth++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = { chainId, resolve };
      this.queue.push(entry);
      cancellation?.onCancel(() => {
        const index = this.queue.indexOf(entry);
        if (index === -1) return;
        this.queue.splice(index, 1);
        reject(cancellation.reason ?? new Error("turn wait cancelled"));
      });
    });
  }

  release(): void {
    if (!this.held) throw new Error("TurnLock.release without acquire");
    if (--this.depth > 0) return;
    this.held = false;
    this.holder = undefined;
    const next = this.queue.shift();
    if (next) {
      this.take(next.chainId);
      next.resolve();
    }
  }

  private take(chainId: string): void {
    this.held = true;
    this.holder = chainId;
    this.depth = 1;
  }
}

export class StackDepthError extends Error {
  override readonly name = "StackDepthError";
  constructor(readonly maxStackDepth: number) {
    super(`maximum reentrancy stack depth (${maxStackDepth}) exceeded`);
  }
}
