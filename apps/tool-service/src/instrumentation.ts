/**
 * Loaded before the app (`node --import ./dist/instrumentation.js dist/server.js`, or
 * `tsx --import ./src/instrumentation.ts src/server.ts`): starts OpenTelemetry so the http instrumentation
 * patches node:http before fastify loads. Configured by the standard OTEL_* variables — see
 * packages/telemetry/src/config.ts and docs/observability.md.
 */
import { startTelemetry } from "@troupe/telemetry";

startTelemetry({ serviceName: "tool-service", env: process.env });
