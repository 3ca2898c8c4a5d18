export { app, type AppOptions } from "./app.ts";
export { loadConfig, configSchema, type Config } from "./config.ts";
export { chatServiceActors, type ChatActorDeps } from "./actors/index.ts";
export { deterministicEngine } from "./reply/deterministic.ts";
export type { ReplyEngine, ReplyRequest } from "./reply/engine.ts";
export { composeChatService, type ChatServiceParts } from "./compose.ts";
export { AGENT_PROGRESS_ROUTE } from "./routes/agent-events.ts";
