/**
 * The agent suite on Dapr: the actor runtime's Dapr harness (our fastify actor host in this process behind
 * a real daprd, placement, scheduler and Redis, started by devstack), imported by path as that package's
 * tests are not a published API. Remaining task state is read from Redis, where Dapr's state store keeps
 * actor state as `{appId}||AgentTask||{actorId}||{key}`.
 */
import { Redis } from "ioredis";
import { defaultRuntimeSettings } from "@troupe/actor-runtime";
import { createDaprHarness } from "../../actor-runtime/test/dapr-harness.ts";
import type { AgentHarness } from "./harness.ts";

const APP_ID = "agents-host";

export function createDaprAgentHarness(): AgentHarness {
  const dapr = createDaprHarness({ appId: APP_ID });
  let redis: Redis | undefined;
  return {
    async start(registrations) {
      await dapr.start(registrations, defaultRuntimeSettings);
      redis = new Redis(dapr.env().redisPort, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
    },
    client: () => dapr.client(),
    async taskStateKeys() {
      if (!redis) throw new Error("harness not started");
      const prefix = `${APP_ID}||AgentTask||`;
      const keys = await redis.keys(`${prefix}*`);
      return keys.map((key) => key.slice(prefix.length)).sort();
    },
    async stop() {
      try {
        await redis?.quit();
      } finally {
        await dapr.stop();
      }
    },
  };
}
