import type { FastifyPluginAsync } from "fastify";
import { registerOpenApi } from "@troupe/service-kit";
import type { Config } from "./config.ts";
import { IdempotencyCache } from "./idempotency.ts";
import { toolRoutes } from "./routes/tools.ts";
import { builtinTools, type ToolDefinition } from "./tools/index.ts";
import type { FetchHooks } from "./net/safe-fetch.ts";

export interface AppOptions {
  config: Pick<
    Config,
    | "webFetchAllow"
    | "webFetchMaxBytes"
    | "webFetchTimeoutMs"
    | "webFetchMaxRedirects"
    | "idempotencyTtlMs"
    | "idempotencyMaxEntries"
  >;
  /** Extra tools registered after the built-ins (tests, embedding hosts). */
  extraTools?: ToolDefinition[];
  /** Test seams for web_fetch. */
  webFetchHooks?: Omit<FetchHooks, "signal">;
}

/** tool-service as a fastify plugin: routes only, no process concerns (see server.ts). */
export const app: FastifyPluginAsync<AppOptions> = async (
  fastify,
  { config, extraTools = [], webFetchHooks },
) => {
  await registerOpenApi(fastify, {
    title: "Troupe tool-service",
    description: "Tools for agents: list them, invoke one (POST /tools/<name>/invoke with { arguments })",
  });
  fastify.get("/healthz", { schema: { hide: true } }, () => Promise.resolve({ status: "ok" }));
  const tools = [
    ...builtinTools({
      webFetch: {
        allow: config.webFetchAllow,
        maxBytes: config.webFetchMaxBytes,
        timeoutMs: config.webFetchTimeoutMs,
        maxRedirects: config.webFetchMaxRedirects,
      },
      ...(webFetchHooks ? { webFetchHooks } : {}),
    }),
    ...extraTools,
  ];
  const idempotency = new IdempotencyCache({
    ttlMs: config.idempotencyTtlMs,
    maxEntries: config.idempotencyMaxEntries,
  });
  await fastify.register(toolRoutes, { tools, idempotency });
};
