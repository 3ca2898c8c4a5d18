export { app, type AppOptions } from "./app.ts";
export { loadConfig, type Config } from "./config.ts";
export { composeMemoryService, type MemoryServiceParts } from "./compose.ts";
export { EVENT_ROUTES } from "./routes/events.ts";
