import { env, parseEnv, type EnvSource } from "@troupe/service-kit";

/** Every setting of agent-memory-service, parsed once from the environment at start-up. */
export const configSchema = {
  host: env.string("HOST", "127.0.0.1"),
  port: env.port("PORT", 8001),
  logLevel: env.oneOf("LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  appId: env.string("APP_ID", "agent-memory-service"),
  daprHost: env.string("DAPR_HOST", "127.0.0.1"),
  daprHttpPort: env.port("DAPR_HTTP_PORT", 3501),
  /** Messages kept in each MemoryAgent window (6 = 3 exchanges). */
  memoryWindow: env.int("MEMORY_WINDOW", 6, { min: 2, max: 200 }),
  /** Go duration between periodic summary refreshes. */
  summaryPeriod: env.string("SUMMARY_REFRESH_PERIOD", "10m"),
};

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(source: EnvSource) {
  return parseEnv(configSchema, source);
}
