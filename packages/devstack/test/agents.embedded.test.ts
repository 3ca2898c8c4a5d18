import { createMemoryBackend } from "@troupe/actor-runtime";
import * as chatService from "@troupe/chat-service";
import { startEmbeddedSystem, type EmbeddedSystem } from "../src/embedded-system.ts";
import { defineAgentSuite } from "./agents/suite.ts";

defineAgentSuite("AgentSession and the LLM engine over HTTP, embedded runtime", async (modelBaseUrl) => {
  const state = createMemoryBackend();
  const chatConfig = { ...chatService.loadConfig({}), openaiBaseUrl: modelBaseUrl, openaiModel: "scripted" };
  const boot = (ports = { chat: 0, memory: 0, tools: 0 }) =>
    startEmbeddedSystem({ ports, state, logLevel: "silent", chatConfig });
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
