/**
 * Starts the OpenTelemetry Node SDK for one service process. Call it from the app's instrumentation module,
 * which Node loads with `--import` before the app: the http instrumentation must patch `node:http` before
 * fastify (CommonJS, loaded through `require`, so the require hook is enough — no ESM loader hook) creates
 * its server. Outgoing calls use global fetch (undici): @troupe/actor-runtime injects the trace context on every
 * sidecar call itself (inside its own actor/publish/invoke spans), so the undici instrumentation skips
 * requests that already carry a `traceparent` and adds HTTP CLIENT spans (and propagation) to the rest —
 * the model API calls under the agent loop's GenAI spans, web_fetch.
 */
import { diag, DiagConsoleLogger, DiagLogLevel } from "@opentelemetry/api";
import { OTLPMetricExporter as OtlpJsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as OtlpProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { OTLPTraceExporter as OtlpJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { ZipkinExporter } from "@opentelemetry/exporter-zipkin";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import {
  ConsoleMetricExporter,
  PeriodicExportingMetricReader,
  type IMetricReader,
} from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { telemetryConfig, type TelemetryConfig, type TelemetryEnv } from "./config.ts";
import { SpanMetricsProcessor } from "./span-metrics.ts";

/** Paths never traced: liveness/readiness probes (daprd calls the app's /healthz every second). */
export const HEALTH_PATHS = ["/healthz", "/readyz", "/livez"];

export interface Telemetry {
  readonly config: TelemetryConfig;
  /** Flushes and stops exporters (bounded by `timeoutMs`). Safe to call twice. */
  shutdown(timeoutMs?: number): Promise<void>;
}

export interface StartTelemetryOptions {
  /** Default service name (the app id); OTEL_SERVICE_NAME wins. */
  serviceName: string;
  serviceVersion?: string;
  env: TelemetryEnv;
  /** Extra span processors (tests: a SimpleSpanProcessor over an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  /** Flush on SIGTERM/SIGINT and before exit (default true); the service's own handler still exits. */
  flushOnSignals?: boolean;
}

/** Whether an undici request already has a traceparent header (set by our explicit propagation). */
export function carriesTraceContext(request: { headers: string | (string | string[])[] }): boolean {
  const { headers } = request;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      if (typeof name === "string" && name.toLowerCase() === "traceparent") return true;
    }
    return false;
  }
  return /(^|\r\n)traceparent:/i.test(headers);
}

function traceExporter(name: string, config: TelemetryConfig): SpanExporter {
  if (name === "zipkin") return new ZipkinExporter();
  if (name === "console") return new ConsoleSpanExporter();
  return config.tracesProtocol === "http/json" ? new OtlpJsonTraceExporter() : new OtlpProtoTraceExporter();
}

function metricReader(name: string, config: TelemetryConfig): IMetricReader {
  if (name === "prometheus") {
    // service_name on every series, so dashboards can split by service without relabelling.
    return new PrometheusExporter({
      host: config.prometheus.host,
      port: config.prometheus.port,
      withResourceConstantLabels: /^service\.name$/,
    });
  }
  const exporter =
    name === "console"
      ? new ConsoleMetricExporter()
      : config.metricsProtocol === "http/json"
        ? new OtlpJsonMetricExporter()
        : new OtlpProtoMetricExporter();
  return new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: config.metricIntervalMs });
}

/**
 * Registers the global tracer, meter and propagator. Always registers a tracer provider (unless
 * OTEL_SDK_DISABLED): spans are recorded for context propagation, log correlation and span metrics even
 * when nothing exports them.
 */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  // Loaded twice (e.g. `--import` on the command line and again through NODE_OPTIONS from two paths):
  // the first start wins, the global providers are not registered twice.
  const started = (globalThis as Record<symbol, Telemetry | undefined>)[STARTED];
  if (started) return started;
  const telemetry = start(options);
  (globalThis as Record<symbol, Telemetry | undefined>)[STARTED] = telemetry;
  return telemetry;
}

const STARTED = Symbol.for("troupe.telemetry.started");

function start(options: StartTelemetryOptions): Telemetry {
  const config = telemetryConfig(options.env, { serviceName: options.serviceName });
  if (config.disabled) return { config, shutdown: () => Promise.resolve() };
  if (options.env["OTEL_LOG_LEVEL"] === undefined) {
    // Exporter failures (collector down) are reported once per batch at WARN by the SDK; keep them, drop INFO.
    diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  }
  const processors: SpanProcessor[] = [
    new SpanMetricsProcessor(),
    ...config.traceExporters.map((name) =>
      name === "console"
        ? new SimpleSpanProcessor(traceExporter(name, config))
        : new BatchSpanProcessor(traceExporter(name, config)),
    ),
    ...(options.spanProcessors ?? []),
  ];
  const ignorePaths = config.traceHealthChecks ? [] : HEALTH_PATHS;
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    ...(options.serviceVersion ? { serviceVersion: options.serviceVersion } : {}),
    spanProcessors: processors,
    metricReaders: config.metricExporters.map((name) => metricReader(name, config)),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => ignorePaths.includes((req.url ?? "").split("?")[0] ?? ""),
        // daprd's own probes of our sidecar and metadata calls are not worth a span each.
        ignoreOutgoingRequestHook: (req) => (req.path ?? "").startsWith("/v1.0/healthz"),
      }),
      new UndiciInstrumentation({ ignoreRequestHook: carriesTraceContext }),
    ],
  });
  sdk.start();

  let done: Promise<void> | undefined;
  const shutdown = (timeoutMs = 5000) =>
    (done ??= Promise.race([
      sdk.shutdown().catch((err: unknown) => diag.warn("telemetry shutdown failed", err)),
      new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]));
  if (options.flushOnSignals !== false) {
    // The service's serve() exits on SIGTERM after draining; flush our batch first (it runs concurrently).
    process.once("SIGTERM", () => void shutdown());
    process.once("SIGINT", () => void shutdown());
    process.once("beforeExit", () => void shutdown());
  }
  return { config, shutdown };
}
