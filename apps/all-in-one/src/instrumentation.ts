/**
 * OpenTelemetry bootstrap of `npm start` (the embedded process holding all three services), loaded first with
 * `--import`. One process, so one service.name ("troupe-embedded" unless OTEL_SERVICE_NAME is set); server
 * spans carry `troupe.service` to tell the services apart. Configured by the standard OTEL_* variables.
 */
import { startTelemetry } from "@troupe/telemetry";

startTelemetry({ serviceName: "troupe-embedded", env: process.env });
