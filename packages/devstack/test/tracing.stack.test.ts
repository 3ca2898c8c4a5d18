/** The stack launcher's telemetry wiring: apps load their instrumentation module first, OTEL_* defaults. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FIXED_PORTS, STACK_APPS } from "../src/ports.ts";
import { appEnv, appNodeArgs, appTelemetryEnv, JAEGER_OTLP_ENDPOINT, ZIPKIN_ENDPOINT } from "../src/stack.ts";

describe("stack launcher telemetry", () => {
  it.each(STACK_APPS)("%s: tsx, then the app's instrumentation module, then the server", (appId) => {
    const args = appNodeArgs(appId);
    expect(args.slice(0, 4)).toEqual(["--conditions=troupe-source", "--import", "tsx", "--import"]);
    const instrumentation = fileURLToPath(args[4]!);
    expect(instrumentation).toMatch(new RegExp(`apps/${appId}/src/instrumentation\\.ts$`));
    expect(existsSync(instrumentation)).toBe(true);
    expect(args[5]).toMatch(new RegExp(`apps/${appId}/src/server\\.ts$`));
  });

  it("exports OTLP to Jaeger, Zipkin to a bare collector, nothing when tracing is off", () => {
    expect(appTelemetryEnv("jaeger")).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: JAEGER_OTLP_ENDPOINT });
    expect(appTelemetryEnv("zipkin")).toEqual({
      OTEL_TRACES_EXPORTER: "zipkin",
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: ZIPKIN_ENDPOINT,
    });
    expect(appTelemetryEnv("off")).toEqual({});
  });

  it("the caller's own OTEL_* settings win over the launcher's defaults", () => {
    const env = appEnv(
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" },
      "chat-service",
      FIXED_PORTS,
      appTelemetryEnv("jaeger"),
    );
    expect(env["OTEL_EXPORTER_OTLP_ENDPOINT"]).toBe("http://collector:4318");
    expect(
      appEnv({}, "chat-service", FIXED_PORTS, appTelemetryEnv("jaeger"))["OTEL_EXPORTER_OTLP_ENDPOINT"],
    ).toBe(JAEGER_OTLP_ENDPOINT);
  });
});
