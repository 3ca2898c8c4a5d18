export { app, type AppOptions } from "./app.ts";
export { loadConfig, type Config } from "./config.ts";
export { composeChatService, type ChatServiceParts } from "./compose.ts";
export { AGENT_PROGRESS_ROUTE } from "./routes/agent-events.ts";
export { AGENT_PROGRESS_EVENT } from "./agents/session-streams.ts";
