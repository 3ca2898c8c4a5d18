/**
 * The whole system on the embedded runtime for black-box suites (`npm start`'s composition, free ports).
 * A "restart of chat-service" restarts the process's services; one in-memory state backend outlives it, as
 * Redis does for the Dapr stack.
 */
import { createMemoryBackend } from "@troupe/actor-runtime";
import {
  startEmbeddedSystem,
  type EmbeddedSystem,
  type EmbeddedSystemOptions,
} from "../src/embedded-system.ts";
import type { SystemUnderTest } from "./daca/suite.ts";

export async function startEmbeddedSut(options: EmbeddedSystemOptions = {}): Promise<SystemUnderTest> {
  const state = createMemoryBackend();
  const boot = (ports = { chat: 0, memory: 0, tools: 0 }) =>
    startEmbeddedSystem({ logLevel: "silent", ...options, ports, state });
  let system: EmbeddedSystem = await boot();
  const port = (url: string) => Number(new URL(url).port);
  return {
    chatUrl: system.urls.chat,
    memoryUrl: system.urls.memory,
    async restartChatService() {
      const { chat, memory, tools } = system.urls;
      await system.stop();
      system = await boot({ chat: port(chat), memory: port(memory), tools: port(tools) });
    },
    // The embedded broker delivers in process; the route is not on the network.
    async deliverToMemory(path, event) {
      const response = await system.servers.memory.inject({
        method: "POST",
        url: path,
        headers: { "content-type": "application/cloudevents+json" },
        payload: JSON.stringify(event),
      });
      return response.json();
    },
    stop: () => system.stop(),
  };
}
