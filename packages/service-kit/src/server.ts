import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { installErrorHandler } from "./errors.ts";
import { flushTelemetry, installRequestTracing, traceLogMixin } from "./tracing.ts";

export interface ServeOptions {
  name: string;
  host: string;
  port: number;
  logLevel?: string;
  /** Max milliseconds to drain in-flight requests on SIGTERM before exiting anyway. */
  shutdownGraceMs?: number;
}

/**
 * Fastify options shared by every service: JSON logs (with the active trace_id/span_id on every line),
 * request ids, a 1 MiB body limit.
 */
export function serverOptions(opts: { name: string; logLevel?: string }): FastifyServerOptions {
  return {
    logger: {
      level: opts.logLevel ?? "info",
      base: { service: opts.name },
      mixin: traceLogMixin,
      redact: {
        paths: ["req.headers.authorization", 'req.headers["dapr-api-token"]', "*.apiKey", "*.api_key"],
        remove: true,
      },
    },
    bodyLimit: 1024 * 1024,
    // Long ids reach route validation (which names the field) instead of the router's bare 414.
    maxParamLength: 500,
    // Wrong types are errors, not silently coerced ("5" stays a string, 5 is not a string).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    requestIdHeader: "x-request-id",
    // Longer than the idle timeout of daprd's pooled connections to the app (Go's 90 s; fastify's default is
    // 72 s), so the sidecar, not the app, closes an idle keep-alive connection: no race on a connection being
    // reused just as the app closes it. Shutdown closes idle connections itself (see serve()).
    keepAliveTimeout: 95_000,
  };
}

/** Creates a fastify instance with the shared error policy and request tracing; register the app plugin on it. */
export function createServer(opts: { name: string; logLevel?: string }): FastifyInstance {
  const app = Fastify(serverOptions(opts));
  installErrorHandler(app);
  installRequestTracing(app, opts.name);
  return app;
}

/**
 * The process shell: listens, and on SIGTERM/SIGINT stops accepting connections, lets in-flight requests
 * finish (fastify's close drains them), flushes buffered spans and metrics (at most 2 s), then exits 0. A
 * second signal or the grace timeout exits 1.
 */
export async function serve(app: FastifyInstance, opts: ServeOptions): Promise<void> {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, "shutting down: draining in-flight requests");
    const timer = setTimeout(() => {
      app.log.error("shutdown grace period elapsed; exiting");
      process.exit(1);
    }, opts.shutdownGraceMs ?? 25_000);
    timer.unref();
    // Keep-alive sockets of requests that finish while draining would hold close() open: close them as
    // soon as they go idle.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    sweep.unref();
    app.close().then(
      () => flushTelemetry(2000).finally(() => process.exit(0)),
      (err: unknown) => {
        app.log.error({ err }, "error while closing");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  await app.listen({ host: opts.host, port: opts.port });
}
