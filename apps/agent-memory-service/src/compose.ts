import { memoryServiceActors } from "./actors/index.ts";
import type { Config } from "./config.ts";
import { deterministicSummarizer } from "./summary/summarizer.ts";

/** What agent-memory-service hosts, wired from its config: the same in Dapr mode and embedded. */
export interface MemoryServiceParts {
  registrations: ReturnType<typeof memoryServiceActors>;
}

/** Builds agent-memory-service's actors. Its actors reach the platform through their actor context only. */
export function composeMemoryService(
  config: Pick<Config, "memoryWindow" | "summaryPeriod">,
): MemoryServiceParts {
  return {
    registrations: memoryServiceActors({
      windowSize: config.memoryWindow,
      summaryPeriod: config.summaryPeriod,
      summarizer: deterministicSummarizer,
    }),
  };
}
