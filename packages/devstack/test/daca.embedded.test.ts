import { createMemoryBackend } from "@troupe/actor-runtime";
import { startEmbeddedSystem, type EmbeddedSystem } from "../src/embedded-system.ts";
import { defineDacaSuite } from "./daca/suite.ts";

defineDacaSuite("DACA over HTTP, embedded runtime (npm start)", async () => {
  // One state backend outlives restarts, as Redis does for the Dapr stack.
  const state = createMemoryBackend();
  const boot = (ports = { chat: 0, memory: 0, tools: 0 }) =>
    startEmbeddedSystem({ ports, state, logLevel: "silent", summaryPeriod: "1h" });
  let system: EmbeddedSystem = await boot();
  const port = (url: string) => Number(new URL(url).port);
  return {
    chatUrl: system.urls.chat,
    memoryUrl: system.urls.memory,
    async restartChatService() {
      const ports = {
        chat: port(system.urls.chat),
        memory: port(system.urls.memory),
        tools: port(system.urls.tools),
      };
      await system.stop();
      system = await boot(ports);
    },
    stop: () => system.stop(),
  };
});
