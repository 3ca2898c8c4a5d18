import { defineAgentSuite } from "./agents/suite.ts";
import { startStackSystem } from "./stack-sut.ts";

defineAgentSuite("AgentSession and the LLM engine over HTTP, real Dapr stack", (modelBaseUrl) =>
  startStackSystem({ OPENAI_BASE_URL: modelBaseUrl, OPENAI_MODEL: "scripted" }),
);
