import { defineContractSuite } from "./contract/index.ts";
import { createDaprHarness } from "./dapr-harness.ts";

defineContractSuite(
  "dapr: fastify actor host + daprd + placement + scheduler + Redis",
  () => createDaprHarness(),
  {
    caseTimeoutMs: 90_000,
  },
);
