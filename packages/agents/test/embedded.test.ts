import { createEmbeddedAgentHarness } from "./embedded-harness.ts";
import { defineAgentSuite } from "./suite.ts";

defineAgentSuite("the embedded runtime, in-memory state", () => createEmbeddedAgentHarness());
