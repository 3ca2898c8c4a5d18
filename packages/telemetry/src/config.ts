/**
 * Telemetry settings, read once from the standard `OTEL_*` variables (plus two Troupe ones) by the
 * instrumentation module of each app. Defaults, chosen so a laptop without a collector sees no exporter
 * noise while a configured endpoint just works:
 *
 * - Traces are always *recorded* (a tracer provider is registered, so trace context flows through our code,
 *   logs carry trace_id/span_id and span-derived metrics exist). They are *exported* when
 *   `OTEL_TRACES_EXPORTER` names exporters (`otlp`, `zipkin`, `console`, `none`), or — when it is unset —
 *   over OTLP as soon as `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set.
 *   The standard default (`otlp` to localhost:4318 unconditionally) is deliberately not kept: without a
 *   collector it logs an export error every few seconds.
 * - Metrics likewise: `OTEL_METRICS_EXPORTER` (`otlp`, `prometheus`, `console`, `none`), else OTLP when an
 *   OTLP (metrics) endpoint is set, else none. `prometheus` serves `/metrics` on
 *   `OTEL_EXPORTER_PROMETHEUS_HOST:OTEL_EXPORTER_PROMETHEUS_PORT` (default 0.0.0.0:9464) — the cluster choice.
 * - OTLP protocol: `OTEL_EXPORTER_OTLP_{TRACES,METRICS}_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`,
 *   `http/protobuf` (default) or `http/json`. The exporters read endpoint, headers and timeout themselves.
 * - Service name: `OTEL_SERVICE_NAME`, else the app id the module passes. Sampler: `OTEL_TRACES_SAMPLER`
 *   (+ `_ARG`), default parentbased_always_on (daprd's sampled flag is honoured). Propagators:
 *   `OTEL_PROPAGATORS`, default `tracecontext,baggage`.
 * - `OTEL_SDK_DISABLED=true` turns everything off.
 * - `TROUPE_TRACE_HEALTH=true` also traces /healthz probes (daprd probes every second; off by default).
 * - Prompt and completion text is never put on spans by the SDK; the agent loop's `captureContent` option
 *   (off by default, chat-service config) decides that.
 */
export type TraceExporterName = "otlp" | "zipkin" | "console";
export type MetricExporterName = "otlp" | "prometheus" | "console";
export type OtlpProtocol = "http/protobuf" | "http/json";

export interface TelemetryConfig {
  disabled: boolean;
  serviceName: string;
  traceExporters: TraceExporterName[];
  metricExporters: MetricExporterName[];
  tracesProtocol: OtlpProtocol;
  metricsProtocol: OtlpProtocol;
  prometheus: { host: string; port: number };
  /** Metric export interval (OTEL_METRIC_EXPORT_INTERVAL), ms. */
  metricIntervalMs: number;
  traceHealthChecks: boolean;
}

export type TelemetryEnv = Readonly<Record<string, string | undefined>>;

export class TelemetryConfigError extends Error {
  override readonly name = "TelemetryConfigError";
}

const TRACE_EXPORTERS: readonly string[] = ["otlp", "zipkin", "console"];
const METRIC_EXPORTERS: readonly string[] = ["otlp", "prometheus", "console"];

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  return [
    ...new Set(
      value
        .split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

function exporters<T extends string>(
  variable: string,
  value: string | undefined,
  known: readonly string[],
  fallback: T[],
): T[] {
  const names = list(value);
  if (names === undefined) return fallback;
  if (names.includes("none")) return [];
  for (const n of names) {
    if (!known.includes(n)) {
      throw new TelemetryConfigError(
        `${variable}: unknown exporter "${n}" (known: ${known.join(", ")}, none)`,
      );
    }
  }
  return names as T[];
}

function protocol(variable: string, value: string | undefined): OtlpProtocol | undefined {
  if (value === undefined || value === "") return undefined;
  if (value === "http/protobuf" || value === "http/json") return value;
  throw new TelemetryConfigError(
    `${variable}: "${value}" is not supported here (use http/protobuf or http/json; grpc is not bundled)`,
  );
}

function set(env: TelemetryEnv, name: string): boolean {
  const v = env[name];
  return v !== undefined && v.trim() !== "";
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}

/** Parses the telemetry settings; throws TelemetryConfigError for values it cannot honour. */
export function telemetryConfig(env: TelemetryEnv, defaults: { serviceName: string }): TelemetryConfig {
  const anyEndpoint = set(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  const traceDefault: TraceExporterName[] =
    anyEndpoint || set(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ? ["otlp"] : [];
  const metricDefault: MetricExporterName[] =
    anyEndpoint || set(env, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") ? ["otlp"] : [];
  const general = protocol("OTEL_EXPORTER_OTLP_PROTOCOL", env["OTEL_EXPORTER_OTLP_PROTOCOL"]);
  const port = Number(env["OTEL_EXPORTER_PROMETHEUS_PORT"] ?? "9464");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TelemetryConfigError(
      `OTEL_EXPORTER_PROMETHEUS_PORT: "${env["OTEL_EXPORTER_PROMETHEUS_PORT"]}"`,
    );
  }
  const interval = Number(env["OTEL_METRIC_EXPORT_INTERVAL"] ?? "60000");
  return {
    disabled: truthy(env["OTEL_SDK_DISABLED"]),
    serviceName: env["OTEL_SERVICE_NAME"]?.trim() || defaults.serviceName,
    traceExporters: exporters(
      "OTEL_TRACES_EXPORTER",
      env["OTEL_TRACES_EXPORTER"],
      TRACE_EXPORTERS,
      traceDefault,
    ),
    metricExporters: exporters(
      "OTEL_METRICS_EXPORTER",
      env["OTEL_METRICS_EXPORTER"],
      METRIC_EXPORTERS,
      metricDefault,
    ),
    tracesProtocol:
      protocol("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]) ??
      general ??
      "http/protobuf",
    metricsProtocol:
      protocol("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", env["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"]) ??
      general ??
      "http/protobuf",
    prometheus: { host: env["OTEL_EXPORTER_PROMETHEUS_HOST"] || "0.0.0.0", port },
    metricIntervalMs: Number.isFinite(interval) && interval > 0 ? interval : 60_000,
    traceHealthChecks: truthy(env["TROUPE_TRACE_HEALTH"]),
  };
}
