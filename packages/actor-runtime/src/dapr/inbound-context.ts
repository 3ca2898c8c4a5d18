/**
 * The context of the inbound request daprd sent us: its Dapr reentrancy id and W3C trace context. The host
 * enters it for every request; the actor client, the event publisher and the service invoker read it for
 * every outgoing call, so a chain A → B → A carries one reentrancy id (daprd then lets the second call into
 * A) and one trace.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { context, propagation } from "@opentelemetry/api";

export const REENTRANCY_HEADER = "dapr-reentrancy-id";
export const TRACEPARENT_HEADER = "traceparent";
export const TRACESTATE_HEADER = "tracestate";

export interface InboundContext {
  reentrancyId?: string;
  traceparent?: string;
  tracestate?: string;
}

const storage = new AsyncLocalStorage<InboundContext>();

type HeaderBag = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === "" ? undefined : v;
}

/** Picks the propagated headers out of an inbound request (node lower-cases header names). */
export function inboundContextFromHeaders(headers: HeaderBag): InboundContext {
  const ctx: InboundContext = {};
  const reentrancyId = first(headers[REENTRANCY_HEADER]);
  const traceparent = first(headers[TRACEPARENT_HEADER]);
  const tracestate = first(headers[TRACESTATE_HEADER]);
  if (reentrancyId) ctx.reentrancyId = reentrancyId;
  if (traceparent) ctx.traceparent = traceparent;
  if (tracestate) ctx.tracestate = tracestate;
  return ctx;
}

/** Runs `fn` with `ctx` as the inbound context (always a fresh scope, never inherited). */
export function runWithInboundContext<T>(ctx: InboundContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentInboundContext(): InboundContext | undefined {
  return storage.getStore();
}

/**
 * Headers for an outgoing call to the sidecar: the current reentrancy id and trace context, then whatever
 * the active OpenTelemetry context injects (a child span's traceparent wins over the raw inbound one; with
 * no OpenTelemetry SDK registered the injection is a no-op).
 */
export function outgoingHeaders(options: { reentrancy?: boolean } = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  const ctx = storage.getStore();
  if (ctx?.reentrancyId && options.reentrancy !== false) headers[REENTRANCY_HEADER] = ctx.reentrancyId;
  if (ctx?.traceparent) headers[TRACEPARENT_HEADER] = ctx.traceparent;
  if (ctx?.tracestate) headers[TRACESTATE_HEADER] = ctx.tracestate;
  const injected: Record<string, string> = {};
  propagation.inject(context.active(), injected);
  if (injected[TRACEPARENT_HEADER]) delete headers[TRACESTATE_HEADER];
  return Object.assign(headers, injected);
}
