import type { ActorStateManager } from "../api.ts";
import type { ActivationState } from "./actor-state.ts";
import { actorKey, currentCallContext, runInCallContext } from "./call-context.ts";

/** Where a turn sits in its call chain (see `CallContext`). */
export interface TurnChain {
  readonly chainId: string;
  readonly depth: number;
}

/**
 * Runs `work` as one turn of the actor whose committed state is `state`, with a state transaction of its
 * own (a reentrant call is a turn of its own too). The transaction commits in one backend write when
 * `work` succeeds. When `work` or the commit throws, the changes are discarded and the read cache is
 * dropped: a commit that failed may still have reached the store, so the next turn reads the store again
 * instead of trusting the cache. Serialising turns is the caller's job (daprd on Dapr, a turn lock in the
 * embedded runtime).
 */
export async function runTurn<T>(
  state: ActivationState,
  chain: TurnChain,
  work: () => Promise<T>,
): Promise<T> {
  const transaction = state.begin();
  const context = {
    chainId: chain.chainId,
    depth: chain.depth,
    actorKey: actorKey(state.type, state.id),
    state: transaction,
  };
  try {
    const result = await runInCallContext(context, work);
    await transaction.commit();
    return result;
  } catch (error) {
    transaction.discard();
    state.dropCache();
    throw error;
  }
}

/**
 * The `ctx.state` an actor instance keeps for its whole activation: every use resolves the transaction of
 * the turn it runs in, so an instance never holds on to one call's transaction. Used outside one of the
 * actor's own turns (a stray promise after the call ended, another actor's call), it throws.
 */
export function turnStateManager(type: string, id: string): ActorStateManager {
  const key = actorKey(type, id);
  const current = (): ActorStateManager => {
    const context = currentCallContext();
    if (context?.actorKey !== key || !context.state) {
      throw new Error(`state of ${type}/${id} used outside one of its calls`);
    }
    return context.state;
  };
  return {
    get: (k) => current().get(k),
    set: (k, v) => current().set(k, v),
    delete: (k) => current().delete(k),
    flush: () => current().flush(),
  };
}
