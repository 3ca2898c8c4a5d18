import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../src/embedded/logger.ts";
import { createRedisBackend } from "../src/embedded/redis-backend.ts";
import { createEmbeddedRuntime } from "../src/embedded/runtime.ts";
import { createEmbeddedHarness } from "./contract/embedded-harness.ts";
import {
  ContractLog,
  ContractThrower,
  contractRegistrations,
  defineContractSuite,
} from "./contract/index.ts";
import { startLocalRedis, type LocalRedis } from "./redis-server.ts";

let redis: LocalRedis | undefined;

beforeAll(async () => {
  redis = await startLocalRedis();
}, 60_000);

afterAll(async () => {
  await redis?.stop();
});

defineContractSuite("embedded, Redis state", () => {
  const prefix = `contract:${Date.now()}:`;
  return createEmbeddedHarness({
    // A new client per (re)start: a restarted host reads state and reminders back from Redis itself.
    backend: () => {
      if (!redis) throw new Error("redis not started");
      return Promise.resolve(createRedisBackend({ client: redis.client(), prefix, ownsClient: true }));
    },
  });
});

describe("Redis backend", () => {
  it("keeps committed state in Redis and nothing of a failed call", async () => {
    if (!redis) throw new Error("redis not started");
    const prefix = `direct:${Date.now()}:`;
    const first = await createEmbeddedRuntime({
      registrations: contractRegistrations(new ContractLog()),
      state: createRedisBackend({ client: redis.client(), prefix }),
      log: silentLogger,
    });
    try {
      await first.actors.actor(ContractThrower, "t1").Set({ value: 7 });
      await first.actors
        .actor(ContractThrower, "t1")
        .SetThenThrow({ value: 8, expected: true })
        .catch(() => undefined);
    } finally {
      await first.stop();
    }
    const raw = await redis.client().hgetall(`${prefix}state:ContractThrower||t1`);
    expect(raw).toEqual({ value: "7" });
  });
});
