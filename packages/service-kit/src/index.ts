export { env, parseEnv, ConfigError, type ConfigOf, type EnvSource } from "./env.ts";
export { installErrorHandler } from "./errors.ts";
export { createServer, serve, serverOptions, type ServeOptions } from "./server.ts";
export { registerOpenApi } from "./openapi.ts";
export { idParam, errorResponse, text, requireNonBlank, idempotencyKey } from "./schemas.ts";
export { flushTelemetry, installRequestTracing, traceLogMixin, TRACE_ID_HEADER } from "./tracing.ts";
export { acceptCloudEvents } from "./cloudevents.ts";
