/**
 * Spans of the actor runtime (both hosts), through @opentelemetry/api only — without an SDK they are no-ops.
 *
 * - Actor calls are RPC-style spans named `{ActorType}/{Method}`: CLIENT where the proxy is called, SERVER
 *   where the method runs. Attributes: rpc.system ("dapr" or "troupe-embedded"), rpc.service (actor type),
 *   rpc.method, troupe.actor.type/.id/.method. Expected failures (TroupeError, 4xx) set error.type but
 *   not an ERROR status on the server side; anything else is an ERROR.
 * - Timer and reminder firings are new traces (as a firing is not part of the request that scheduled it)
 *   with a span LINK to the span that scheduled them: the scheduler stores that span's `traceparent` with the
 *   timer or reminder (`schedulingTraceparent()`), the firing passes it to `traceScheduleFiring`.
 * - Pub/sub: a PRODUCER span `publish {topic}` whose context travels in the CloudEvent, and a CONSUMER span
 *   `process {topic}` continuing it on delivery (messaging.* attributes).
 * - Service invocation: a CLIENT span `{METHOD} {appId}/{path}` (rpc.system "dapr", server.address app id).
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from "@opentelemetry/api";
import { TroupeError, type Json } from "@troupe/actor-interfaces";

export type RpcSystem = "dapr" | "troupe-embedded";

const tracer = () => trace.getTracer("@troupe/actor-runtime");

export function actorSpanName(type: string, method: string): string {
  return `${type}/${method}`;
}

export function actorAttributes(system: RpcSystem, type: string, id: string, method: string): Attributes {
  return {
    "rpc.system": system,
    "rpc.service": type,
    "rpc.method": method,
    "troupe.actor.type": type,
    "troupe.actor.id": id,
    "troupe.actor.method": method,
  };
}

/** Status of a failed span: expected (typed, 4xx) failures keep an unset status on the server side. */
function recordFailure(span: Span, err: unknown, side: "client" | "server"): void {
  const status =
    (err as { status?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode ?? undefined;
  const expected =
    err instanceof TroupeError || (typeof status === "number" && status >= 400 && status < 500);
  const code = (err as { code?: unknown }).code;
  span.setAttribute(
    "error.type",
    typeof code === "string" ? code : err instanceof Error ? err.name : "error",
  );
  if (!expected || side === "client") {
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  if (!expected && err instanceof Error) span.recordException(err);
}

/** Runs `fn` inside a span made active for it; ends it, recording failures. */
export async function inSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes: Attributes; links?: Link[]; side: "client" | "server" },
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  const span = tracer().startSpan(
    name,
    {
      kind: options.kind,
      attributes: options.attributes,
      ...(options.links ? { links: options.links } : {}),
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    recordFailure(span, err, options.side);
    throw err;
  } finally {
    span.end();
  }
}

export function traceActorCall<T>(
  side: "client" | "server",
  call: { system: RpcSystem; type: string; id: string; method: string },
  fn: () => Promise<T>,
): Promise<T> {
  return inSpan(
    actorSpanName(call.type, call.method),
    {
      kind: side === "client" ? SpanKind.CLIENT : SpanKind.SERVER,
      attributes: actorAttributes(call.system, call.type, call.id, call.method),
      side,
    },
    () => fn(),
  );
}

/** The W3C traceparent of the active span, to store with a timer or reminder (undefined without one). */
export function schedulingTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier["traceparent"];
}

/** A span link to the span a `traceparent` names (none when it is absent or malformed). */
export function linkTo(traceparent: string | undefined): Link[] {
  if (!traceparent) return [];
  const sc = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
  return sc ? [{ context: sc, attributes: { "troupe.link": "scheduled_by" } }] : [];
}

/**
 * A timer or reminder firing: a new root span `{ActorType}/{kind} {name}` (SERVER, it is a call into the
 * actor) linked to the span that scheduled it.
 */
export function traceScheduleFiring<T>(
  firing: {
    system: RpcSystem;
    kind: "timer" | "reminder";
    type: string;
    id: string;
    name: string;
    scheduledBy: string | undefined;
  },
  fn: () => Promise<T>,
): Promise<T> {
  const method = firing.kind === "timer" ? "onTimer" : "onReminder";
  return inSpan(
    `${firing.type}/${firing.kind} ${firing.name}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        ...actorAttributes(firing.system, firing.type, firing.id, method),
        "troupe.actor.callback": firing.kind,
        [`troupe.actor.${firing.kind}`]: firing.name,
      },
      links: linkTo(firing.scheduledBy),
      side: "server",
    },
    () => fn(),
    ROOT_CONTEXT,
  );
}

export function messagingAttributes(
  system: string,
  operation: "send" | "process",
  topic: string,
  event: { id?: string; type?: string },
): Attributes {
  return {
    "messaging.system": system,
    "messaging.operation.type": operation,
    "messaging.operation.name": operation === "send" ? "publish" : "process",
    "messaging.destination.name": topic,
    ...(event.id ? { "messaging.message.id": event.id } : {}),
    ...(event.type ? { "cloudevents.event_type": event.type } : {}),
  };
}

/** PRODUCER span around a publish; `fn` runs in it, so the traceparent it injects is this span's. */
export function tracePublish<T>(
  system: string,
  topic: string,
  event: { id?: string; type?: string },
  fn: () => Promise<T>,
): Promise<T> {
  return inSpan(
    `publish ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: messagingAttributes(system, "send", topic, event),
      side: "client",
    },
    () => fn(),
  );
}

/** CONSUMER span around one delivery attempt, continuing the CloudEvent's traceparent when it has one. */
export function traceDelivery<T>(
  system: string,
  topic: string,
  event: { id?: string; type?: string; traceparent?: string; tracestate?: string },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const carrier: Record<string, string> = {};
  if (typeof event.traceparent === "string") carrier["traceparent"] = event.traceparent;
  if (typeof event.tracestate === "string") carrier["tracestate"] = event.tracestate;
  const parent = carrier["traceparent"] ? propagation.extract(ROOT_CONTEXT, carrier) : context.active();
  return inSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: messagingAttributes(system, "process", topic, event),
      side: "server",
    },
    fn,
    parent,
  );
}

/** CLIENT span of a service invocation. */
export function traceServiceCall<T>(
  system: RpcSystem,
  call: { appId: string; method: string; httpMethod: string },
  fn: () => Promise<T>,
): Promise<T> {
  return inSpan(
    `${call.httpMethod} ${call.appId}/${call.method}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "rpc.system": system,
        "http.request.method": call.httpMethod,
        "server.address": call.appId,
        "url.path": `/${call.method}`,
      },
      side: "client",
    },
    () => fn(),
  );
}

/** Trace headers of the active context (for an in-process request that should continue it). */
export function activeTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

const TRACEPARENT_KEY = "troupe.traceparent";
const DATA_KEY = "troupe.data";

/**
 * Dapr keeps no trace context with a reminder or timer, so the Dapr host stores the scheduling span's
 * traceparent inside the schedule data: `{"troupe.traceparent": "...", "troupe.data": <data>}`. Without an
 * active span the data is sent unchanged.
 */
export function wrapScheduleData(data: Json | undefined): Json | undefined {
  const traceparent = schedulingTraceparent();
  if (traceparent === undefined) return data;
  return { [TRACEPARENT_KEY]: traceparent, ...(data !== undefined ? { [DATA_KEY]: data } : {}) };
}

/** The actor's data and the scheduling traceparent out of what `wrapScheduleData` stored (or plain data). */
export function unwrapScheduleData(raw: Json | undefined): { data: Json | undefined; scheduledBy?: string } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { data: raw };
  const traceparent = raw[TRACEPARENT_KEY];
  if (typeof traceparent !== "string") return { data: raw };
  const keys = Object.keys(raw);
  if (keys.some((k) => k !== TRACEPARENT_KEY && k !== DATA_KEY)) return { data: raw };
  return { data: raw[DATA_KEY], scheduledBy: traceparent };
}
