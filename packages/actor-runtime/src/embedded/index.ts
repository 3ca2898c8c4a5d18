export * from "./runtime.ts";
export * from "./redis-backend.ts";
export * from "./pubsub.ts";
export * from "./services.ts";
export * from "./platform.ts";
export { createStderrLogger, childLogger, silentLogger } from "./logger.ts";
