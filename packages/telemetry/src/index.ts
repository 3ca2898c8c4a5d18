export {
  startTelemetry,
  HEALTH_PATHS,
  carriesTraceContext,
  type Telemetry,
  type StartTelemetryOptions,
} from "./sdk.ts";
export {
  telemetryConfig,
  TelemetryConfigError,
  type TelemetryConfig,
  type TelemetryEnv,
  type TraceExporterName,
  type MetricExporterName,
  type OtlpProtocol,
} from "./config.ts";
export { SpanMetricsProcessor, METRIC_NAMES } from "./span-metrics.ts";
/** For tests of instrumented code: collect spans in memory (pass as `spanProcessors` to startTelemetry). */
export { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
