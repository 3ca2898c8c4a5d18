/** A promise that rejects with the signal's reason once it aborts (never settles otherwise). */
export function abortedPromise(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(reasonOf(signal));
    else signal.addEventListener("abort", () => reject(reasonOf(signal)), { once: true });
  });
}

/**
 * `work`, or the signal's reason if it aborts first. The work is abandoned, not stopped: agents that
 * honour `ctx.signal` stop themselves, and a late result or failure of one that does not is ignored.
 */
export async function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) throw reasonOf(signal);
  const aborted = abortedPromise(signal);
  aborted.catch(() => undefined);
  return Promise.race([work, aborted]);
}

export function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
