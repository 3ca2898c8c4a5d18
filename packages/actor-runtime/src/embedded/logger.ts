import { isSpanContextValid, trace } from "@opentelemetry/api";
import type { ActorLogger } from "../api.ts";

/**
 * Default logger of the embedded runtime: warnings and errors as JSON lines on stderr (with the active
 * trace_id/span_id, like the services' pino lines), info dropped.
 */
export function createStderrLogger(): ActorLogger {
  const write = (level: string, obj: object, msg?: string) =>
    process.stderr.write(
      `${JSON.stringify({ level, time: new Date().toISOString(), msg, ...traceIds(), ...toLoggable(obj) })}\n`,
    );
  return {
    info() {},
    warn: (obj, msg) => write("warn", obj, msg),
    error: (obj, msg) => write("error", obj, msg),
  };
}

/** A logger that adds fixed fields to every entry. */
export function childLogger(log: ActorLogger, fields: object): ActorLogger {
  return {
    info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => log.error({ ...fields, ...obj }, msg),
  };
}

function traceIds(): Record<string, string> {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

function toLoggable(obj: object): object {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    out[key] =
      value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}

export const silentLogger: ActorLogger = { info() {}, warn() {}, error() {} };
