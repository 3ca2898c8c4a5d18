import { actorType } from "@troupe/actor-interfaces";
import { registration } from "../src/api.ts";
import type { AnyRegistration } from "../test/contract/actors.ts";

export interface BenchCounterApi {
  Increment(input: Record<string, never>): Promise<{ value: number }>;
  Ping(input: Record<string, never>): Promise<{ ok: true }>;
}
/** A counter with durable state: each Increment is a read, a write and a commit. */
export const BenchCounter = actorType<BenchCounterApi>()("BenchCounter", { Increment: true, Ping: true });

export interface BenchChainApi {
  /** Calls the next actor of the chain (`<prefix>-<remaining - 1>`) until `remaining` is 0. */
  Hop(input: { prefix: string; remaining: number }): Promise<{ hops: number }>;
}
export const BenchChain = actorType<BenchChainApi>()("BenchChain", { Hop: true });

export function benchRegistrations(): AnyRegistration[] {
  return [
    registration(BenchCounter, (ctx) => ({
      async Increment() {
        const value = ((await ctx.state.get<number>("value")) ?? 0) + 1;
        ctx.state.set("value", value);
        return { value };
      },
      Ping() {
        return Promise.resolve({ ok: true as const });
      },
    })),
    registration(BenchChain, (ctx) => ({
      async Hop({ prefix, remaining }) {
        if (remaining === 0) return { hops: 0 };
        const next = ctx.actors.actor(BenchChain, `${prefix}-${remaining - 1}`);
        const { hops } = await next.Hop({ prefix, remaining: remaining - 1 });
        return { hops: hops + 1 };
      },
    })),
  ];
}
