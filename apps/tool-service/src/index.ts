export { app, type AppOptions } from "./app.ts";
export { loadConfig, configSchema, type Config } from "./config.ts";
