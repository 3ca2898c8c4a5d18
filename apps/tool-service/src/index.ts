export { app, type AppOptions } from "./app.ts";
export { loadConfig, type Config } from "./config.ts";
