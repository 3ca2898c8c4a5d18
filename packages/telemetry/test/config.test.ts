import { describe, expect, it } from "vitest";
import { telemetryConfig, TelemetryConfigError } from "../src/config.ts";

const cfg = (env: Record<string, string>) => telemetryConfig(env, { serviceName: "chat-service" });

describe("telemetryConfig", () => {
  it("exports nothing without an endpoint or an explicit exporter (no noise on a laptop)", () => {
    const c = cfg({});
    expect(c.traceExporters).toEqual([]);
    expect(c.metricExporters).toEqual([]);
    expect(c.serviceName).toBe("chat-service");
    expect(c.tracesProtocol).toBe("http/protobuf");
    expect(c.disabled).toBe(false);
  });

  it("exports traces and metrics over OTLP once an endpoint is set", () => {
    const c = cfg({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" });
    expect(c.traceExporters).toEqual(["otlp"]);
    expect(c.metricExporters).toEqual(["otlp"]);
  });

  it("honours per-signal endpoints, protocols, exporter lists and the service name", () => {
    const c = cfg({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://jaeger:4318/v1/traces",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf",
      OTEL_METRICS_EXPORTER: "prometheus",
      OTEL_EXPORTER_PROMETHEUS_PORT: "9465",
      OTEL_SERVICE_NAME: "chat-eu",
    });
    expect(c.traceExporters).toEqual(["otlp"]);
    expect(c.tracesProtocol).toBe("http/json");
    expect(c.metricsProtocol).toBe("http/protobuf");
    expect(c.metricExporters).toEqual(["prometheus"]);
    expect(c.prometheus).toEqual({ host: "0.0.0.0", port: 9465 });
    expect(c.serviceName).toBe("chat-eu");
  });

  it("'none' turns an exporter off even with an endpoint; OTEL_SDK_DISABLED disables everything", () => {
    const c = cfg({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" });
    expect(c.traceExporters).toEqual([]);
    expect(c.metricExporters).toEqual(["otlp"]);
    expect(cfg({ OTEL_SDK_DISABLED: "true" }).disabled).toBe(true);
    expect(cfg({ OTEL_TRACES_EXPORTER: "zipkin,console" }).traceExporters).toEqual(["zipkin", "console"]);
  });

  it("rejects values it cannot honour instead of silently exporting nothing", () => {
    expect(() => cfg({ OTEL_TRACES_EXPORTER: "jaeger" })).toThrow(TelemetryConfigError);
    expect(() => cfg({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(/grpc is not bundled/);
    expect(() => cfg({ OTEL_EXPORTER_PROMETHEUS_PORT: "http" })).toThrow(TelemetryConfigError);
  });
});
