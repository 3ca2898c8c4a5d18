import { env, parseEnv, type EnvSource } from "@troupe/service-kit";

/** Every setting of chat-service, parsed once from the environment at start-up. */
export const configSchema = {
  host: env.string("HOST", "127.0.0.1"),
  port: env.port("PORT", 8010),
  logLevel: env.oneOf("LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  appId: env.string("APP_ID", "chat-service"),
  daprHost: env.string("DAPR_HOST", "127.0.0.1"),
  daprHttpPort: env.port("DAPR_HTTP_PORT", 3500),
};

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(source: EnvSource) {
  return parseEnv(configSchema, source);
}
