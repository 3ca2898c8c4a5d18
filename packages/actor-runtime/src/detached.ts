import { runOutsideCallContext } from "./core/call-context.ts";
import { currentInboundContext, runWithInboundContext } from "./dapr/inbound-context.ts";

/**
 * Runs `fn` as background work started by the current actor call (e.g. an agent run that outlives the
 * call): outside the call's reentrancy chain in both runtimes, so its later actor calls queue like any
 * outside caller's, while the W3C trace context is kept so the work stays in the caller's trace.
 */
export function runDetached<T>(fn: () => T): T {
  const { traceparent, tracestate } = currentInboundContext() ?? {};
  const trace = { ...(traceparent ? { traceparent } : {}), ...(tracestate ? { tracestate } : {}) };
  return runOutsideCallContext(() => runWithInboundContext(trace, fn));
}
