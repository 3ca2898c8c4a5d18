/**
 * RED metrics derived from finished spans (the idea of the collector's spanmetrics connector, in process):
 * every request, actor call, tool execution, model call and event already has a span with the identifying
 * attributes, so one processor turns them into histograms instead of timing code in every library. The
 * libraries stay on `@opentelemetry/api` and the names below stay in one place.
 *
 * | instrument                          | from spans                                  | attributes                                                        |
 * |-------------------------------------|---------------------------------------------|-------------------------------------------------------------------|
 * | `troupe.http.server.duration` (s)   | SERVER spans with `http.route`              | http.request.method, http.route, http.response.status_code        |
 * | `troupe.actor.call.duration` (s)    | SERVER spans with `troupe.actor.type`       | troupe.actor.type, troupe.actor.method, outcome                   |
 * | `troupe.tool.duration` (s)          | `execute_tool` spans (agent loop)           | gen_ai.tool.name, outcome                                         |
 * | `gen_ai.client.operation.duration`  | `chat` spans (agent loop)                   | gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model, error.type |
 * | `gen_ai.client.token.usage`         | `chat` spans with usage                     | … + gen_ai.token.type (input/output)                              |
 * | `troupe.messaging.duration` (s)     | PRODUCER/CONSUMER spans                     | messaging.operation.type, messaging.destination.name, outcome     |
 *
 * `outcome` is "ok" or "error" (span status ERROR). Counts (rate) and errors come from the histograms'
 * `_count` series. Only sampled spans reach a processor: with a ratio sampler below 1 these undercount.
 */
import {
  SpanKind,
  SpanStatusCode,
  metrics,
  type Attributes,
  type Context,
  type Histogram,
} from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

export const METRIC_NAMES = {
  http: "troupe.http.server.duration",
  actor: "troupe.actor.call.duration",
  tool: "troupe.tool.duration",
  modelDuration: "gen_ai.client.operation.duration",
  modelTokens: "gen_ai.client.token.usage",
  messaging: "troupe.messaging.duration",
} as const;

/** Seconds buckets for request-like durations (5 ms … 60 s: model calls and agent turns are slow). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** The GenAI semconv's advised token buckets. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];

interface Instruments {
  http: Histogram;
  actor: Histogram;
  tool: Histogram;
  modelDuration: Histogram;
  modelTokens: Histogram;
  messaging: Histogram;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export class SpanMetricsProcessor implements SpanProcessor {
  private instruments: Instruments | undefined;

  /** Instruments are created on first use, so a meter provider registered after this processor is used. */
  private get i(): Instruments {
    if (this.instruments) return this.instruments;
    const meter = metrics.getMeter("@troupe/telemetry");
    const seconds = (name: string, description: string) =>
      meter.createHistogram(name, {
        unit: "s",
        description,
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      });
    this.instruments = {
      http: seconds(METRIC_NAMES.http, "HTTP requests served, per route"),
      actor: seconds(METRIC_NAMES.actor, "Actor method calls executed, per actor type and method"),
      tool: seconds(METRIC_NAMES.tool, "Agent tool executions, per tool"),
      modelDuration: seconds(METRIC_NAMES.modelDuration, "GenAI model calls"),
      modelTokens: meter.createHistogram(METRIC_NAMES.modelTokens, {
        unit: "{token}",
        description: "Tokens used per model call",
        advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
      }),
      messaging: seconds(METRIC_NAMES.messaging, "Events published and processed, per topic"),
    };
    return this.instruments;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    const a = span.attributes;
    const seconds = hrTimeToMilliseconds(span.duration) / 1000;
    const outcome = span.status.code === SpanStatusCode.ERROR ? "error" : "ok";
    const op = str(a["gen_ai.operation.name"]);

    if (op === "chat") {
      const attrs: Attributes = {
        "gen_ai.operation.name": op,
        ...pick(a, ["gen_ai.provider.name", "gen_ai.request.model", "gen_ai.response.model", "error.type"]),
      };
      this.i.modelDuration.record(seconds, attrs);
      const input = num(a["gen_ai.usage.input_tokens"]);
      const output = num(a["gen_ai.usage.output_tokens"]);
      if (input !== undefined) this.i.modelTokens.record(input, { ...attrs, "gen_ai.token.type": "input" });
      if (output !== undefined)
        this.i.modelTokens.record(output, { ...attrs, "gen_ai.token.type": "output" });
      return;
    }
    if (op === "execute_tool") {
      this.i.tool.record(seconds, { ...pick(a, ["gen_ai.tool.name"]), outcome });
      return;
    }
    if (span.kind === SpanKind.PRODUCER || span.kind === SpanKind.CONSUMER) {
      this.i.messaging.record(seconds, {
        ...pick(a, ["messaging.operation.type", "messaging.destination.name", "messaging.system"]),
        outcome,
      });
      return;
    }
    if (span.kind !== SpanKind.SERVER) return;
    const actorType = str(a["troupe.actor.type"]);
    if (actorType !== undefined) {
      this.i.actor.record(seconds, {
        "troupe.actor.type": actorType,
        ...pick(a, ["troupe.actor.method", "troupe.actor.callback"]),
        outcome,
      });
      return;
    }
    const route = str(a["http.route"]);
    if (route !== undefined) {
      const method = str(a["http.request.method"]) ?? str(a["http.method"]) ?? "_OTHER";
      const status = num(a["http.response.status_code"]) ?? num(a["http.status_code"]);
      this.i.http.record(seconds, {
        "http.request.method": method,
        "http.route": route,
        ...(status !== undefined ? { "http.response.status_code": status } : {}),
      });
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function pick(a: Attributes, keys: readonly string[]): Attributes {
  const out: Attributes = {};
  for (const k of keys) {
    const v = a[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
