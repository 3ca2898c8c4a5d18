export { app, type AppOptions } from "./app.ts";
export { loadConfig, configSchema, type Config } from "./config.ts";
export { memoryServiceActors } from "./actors/index.ts";
export type { MemoryAgentOptions } from "./actors/MemoryAgent.ts";
export { EVENT_ROUTES } from "./routes/events.ts";
export { deterministicSummarizer, type Summarizer } from "./summary/summarizer.ts";
