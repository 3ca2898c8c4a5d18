import * as chatService from "@troupe/chat-service";
import { defineAgentSuite } from "./agents/suite.ts";
import { startEmbeddedSut } from "./embedded-sut.ts";

defineAgentSuite("AgentSession and the LLM engine over HTTP, embedded runtime", (modelBaseUrl) =>
  startEmbeddedSut({
    chatConfig: { ...chatService.loadConfig({}), openaiBaseUrl: modelBaseUrl, openaiModel: "scripted" },
  }),
);
