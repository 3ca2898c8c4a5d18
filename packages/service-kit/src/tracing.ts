/**
 * Request tracing for every service (needs only @opentelemetry/api; without an SDK it is all no-ops):
 *
 * - A request that came through a real socket already has its HTTP SERVER span from the http
 *   instrumentation (started by the app's instrumentation module, continuing the caller's `traceparent`).
 *   The hook names it after the route (`POST /chat/:id`, the semantic-convention name) and sets `http.route`.
 * - A request without a socket — `fastify.inject`, which the embedded runtime uses for service invocation
 *   and event delivery — gets its own SERVER span here: a child of the `traceparent` it carries, else of the
 *   active context. Its handler runs inside that span (hooks cannot wrap the handler, so routes are wrapped
 *   at registration).
 * - Log lines carry `trace_id`/`span_id` of the active span (`traceLogMixin`, wired in serverOptions).
 */
import { Socket } from "node:net";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  isSpanContextValid,
  metrics,
  type Context,
  type Span,
} from "@opentelemetry/api";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";

const tracer = () => trace.getTracer("@troupe/service-kit");

interface Traced {
  span: Span;
  ctx: Context;
}
const traced = new WeakMap<FastifyRequest, Traced>();

/** pino mixin: the active span's ids on every log line (empty outside a sampled/valid span). */
export function traceLogMixin(): Record<string, string> {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: `0${sc.traceFlags.toString(16)}` };
}

/** Answers carry `x-trace-id`, so a caller can open its trace (Jaeger: /trace/<id>). */
export const TRACE_ID_HEADER = "x-trace-id";

function exposeTraceId(reply: FastifyReply, span: Span): void {
  const sc = span.spanContext();
  if (isSpanContextValid(sc)) void reply.header(TRACE_ID_HEADER, sc.traceId);
}

function viaSocket(req: FastifyRequest): boolean {
  return req.raw.socket instanceof Socket;
}

function spanName(req: FastifyRequest): { name: string; route: string | undefined } {
  const route = req.routeOptions.url;
  return { name: route ? `${req.method} ${route}` : req.method, route };
}

/**
 * Installs the hooks; call before any route is registered (createServer does). `service` is recorded as
 * `troupe.service` on server spans (in the embedded process the three services share one service.name).
 */
export function installRequestTracing(app: FastifyInstance, service?: string): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function tracedHandler(this: FastifyInstance, req, reply) {
      const t = traced.get(req);
      return t ? context.with(t.ctx, () => handler.call(this, req, reply)) : handler.call(this, req, reply);
    };
  });

  app.addHook("onRequest", (req, reply, done) => {
    const { name, route } = spanName(req);
    if (viaSocket(req)) {
      const span = trace.getActiveSpan();
      if (span) {
        span.updateName(name);
        if (route) span.setAttribute("http.route", route);
        if (service) span.setAttribute("troupe.service", service);
        exposeTraceId(reply, span);
      }
      return done();
    }
    const fromHeaders = propagation.extract(ROOT_CONTEXT, req.headers);
    const parent = trace.getSpanContext(fromHeaders) ? fromHeaders : context.active();
    const span = tracer().startSpan(
      name,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": req.method,
          "url.path": req.url.split("?")[0] ?? req.url,
          ...(route ? { "http.route": route } : {}),
          "troupe.transport": "inject",
          ...(service ? { "troupe.service": service } : {}),
        },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    traced.set(req, { span, ctx });
    exposeTraceId(reply, span);
    context.with(ctx, done);
  });

  app.addHook("onError", (req, _reply, error, done) => {
    const span = traced.get(req)?.span ?? (viaSocket(req) ? trace.getActiveSpan() : undefined);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (span && status >= 500) {
      span.recordException(error);
      span.setAttribute("error.type", error.name || "Error");
    }
    done();
  });

  app.addHook("onResponse", (req, reply, done) => {
    const t = traced.get(req);
    if (t) {
      t.span.setAttribute("http.response.status_code", reply.statusCode);
      if (reply.statusCode >= 500) t.span.setStatus({ code: SpanStatusCode.ERROR });
      t.span.end();
      traced.delete(req);
    }
    done();
  });
}

interface Flushable {
  forceFlush?: () => Promise<void>;
  getDelegate?: () => Flushable;
}

/**
 * Flushes the registered tracer and meter providers (the SDK's batch processors and periodic readers) before
 * the process exits; resolves after `timeoutMs` at the latest. Duck-typed, so it needs only the API and is a
 * no-op without an SDK.
 */
export async function flushTelemetry(timeoutMs: number): Promise<void> {
  const providers = [trace.getTracerProvider(), metrics.getMeterProvider()] as Flushable[];
  const flushes = providers.map((p) => {
    const target = p.getDelegate?.() ?? p;
    return typeof target.forceFlush === "function"
      ? target.forceFlush().catch(() => undefined)
      : Promise.resolve();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(flushes),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
