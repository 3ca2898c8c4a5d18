import { ActorCallError } from "@troupe/actor-interfaces";

/**
 * Runs an idempotent read (a GET route's actor call) and retries it once after a transient sidecar failure.
 * Observed under load with daprd 1.18.2: an actor read right after a burst of calls to the same actor was
 * occasionally answered 500 "error invoke actor method: failed to read response data: context canceled".
 * Only reads are retried: a write must never run twice.
 */
export async function idempotentRead<T>(read: () => Promise<T>, delayMs = 100): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof ActorCallError) || err.status < 500 || err.status === 504) throw err;
    await new Promise((r) => setTimeout(r, delayMs));
    return read();
  }
}
