import * as memoryService from "@troupe/agent-memory-service";
import { defineDacaSuite } from "./daca/suite.ts";
import { startEmbeddedSut } from "./embedded-sut.ts";

defineDacaSuite("DACA over HTTP, embedded runtime (npm start)", () =>
  startEmbeddedSut({ memoryConfig: memoryService.loadConfig({ SUMMARY_REFRESH_PERIOD: "1h" }) }),
);
