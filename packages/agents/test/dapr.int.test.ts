import { createDaprAgentHarness } from "./dapr-harness.ts";
import { defineAgentSuite } from "./suite.ts";

defineAgentSuite("Dapr: fastify actor host + daprd + placement + scheduler + Redis", () =>
  createDaprAgentHarness(),
);
