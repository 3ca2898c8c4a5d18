import { defineContractSuite } from "./contract/index.ts";
import { createEmbeddedHarness } from "./contract/embedded-harness.ts";

defineContractSuite("embedded, in-memory state", () => createEmbeddedHarness());
