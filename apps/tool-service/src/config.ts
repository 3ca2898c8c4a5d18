import { ConfigError, env, parseEnv, type EnvSource } from "@troupe/service-kit";
import { parseAllowList, type AllowList } from "./net/address-policy.ts";

/** Every setting of tool-service, parsed once from the environment at start-up. */
export const configSchema = {
  host: env.string("HOST", "127.0.0.1"),
  port: env.port("PORT", 8020),
  logLevel: env.oneOf("LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  appId: env.string("APP_ID", "tool-service"),
  /** Comma-separated hosts (`intranet.local`, `*.svc.cluster.local`), IPs and CIDRs web_fetch may reach even if private. */
  webFetchAllow: env.string("WEB_FETCH_ALLOW", ""),
  webFetchMaxBytes: env.int("WEB_FETCH_MAX_BYTES", 256 * 1024, { min: 1, max: 16 * 1024 * 1024 }),
  webFetchTimeoutMs: env.int("WEB_FETCH_TIMEOUT_MS", 10_000, { min: 100, max: 120_000 }),
  webFetchMaxRedirects: env.int("WEB_FETCH_MAX_REDIRECTS", 5, { min: 0, max: 20 }),
  idempotencyTtlMs: env.int("IDEMPOTENCY_TTL_MS", 24 * 60 * 60 * 1000, { min: 1000 }),
  idempotencyMaxEntries: env.int("IDEMPOTENCY_MAX_ENTRIES", 10_000, { min: 1 }),
};

export type Config = Omit<ReturnType<typeof parseEnv<typeof configSchema>>, "webFetchAllow"> & {
  webFetchAllow: AllowList;
};

export function loadConfig(source: EnvSource): Config {
  const raw = parseEnv(configSchema, source);
  try {
    return { ...raw, webFetchAllow: parseAllowList(raw.webFetchAllow) };
  } catch (err) {
    throw new ConfigError(
      `invalid configuration: WEB_FETCH_ALLOW: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
