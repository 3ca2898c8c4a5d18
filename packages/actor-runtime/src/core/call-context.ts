import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { ActorStateManager } from "../api.ts";

/**
 * The context of the actor call being handled. `chainId` is the reentrancy id (Dapr's
 * `Dapr-Reentrancy-Id`): every actor call made while handling a call carries it, so a call that comes back
 * to an actor whose turn is held by the same chain may enter. `depth` counts actor hops in the chain.
 */
export interface CallContext {
  readonly chainId: string;
  readonly depth: number;
  /** `type||id` of the actor whose turn this code runs in. */
  readonly actorKey: string;
  /** The state transaction of this call, where the runtime resolves `ctx.state` per call. */
  readonly state?: ActorStateManager;
}

const storage = new AsyncLocalStorage<CallContext>();

export function currentCallContext(): CallContext | undefined {
  return storage.getStore();
}

export function runInCallContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Runs `fn` outside any call context (timer and reminder firings, deactivation). */
export function runOutsideCallContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function newChainId(): string {
  return randomUUID();
}

export function actorKey(type: string, id: string): string {
  return `${type}||${id}`;
}
