/** composeMemoryService: the actors it builds follow the service's config, not fixed defaults. */
import { MemoryAgent, conversationUpdated, memoryAgentId } from "@troupe/actor-interfaces";
import { createEmbeddedRuntime, silentLogger, type EmbeddedRuntime } from "@troupe/actor-runtime";
import { afterEach, describe, expect, it } from "vitest";
import { composeMemoryService } from "../src/compose.ts";
import { loadConfig } from "../src/config.ts";

describe("composeMemoryService", () => {
  let runtime: EmbeddedRuntime | undefined;
  afterEach(async () => runtime?.stop());

  const windowAfterThreeExchanges = async (env: Record<string, string>) => {
    runtime = await createEmbeddedRuntime({
      registrations: composeMemoryService(loadConfig(env)).registrations,
      log: silentLogger,
    });
    const memory = runtime.actors.actor(MemoryAgent, memoryAgentId("u1"));
    for (const sequence of [1, 2, 3]) {
      await memory.ApplyConversationEvent(
        conversationUpdated({
          conversationId: "u1",
          userId: "u1",
          sessionId: "s1",
          sequence,
          input: { role: "user", content: `q${sequence}` },
          output: { role: "assistant", content: `a${sequence}` },
          timestamp: new Date().toISOString(),
        }),
      );
    }
    return (await memory.GetMemory({})).memory.map((m) => m.content);
  };

  it("keeps the window MEMORY_WINDOW sets", async () => {
    expect(await windowAfterThreeExchanges({ MEMORY_WINDOW: "2" })).toEqual(["q3", "a3"]);
  });

  it("keeps 6 messages by default", async () => {
    expect(await windowAfterThreeExchanges({})).toEqual(["q1", "a1", "q2", "a2", "q3", "a3"]);
  });
});
