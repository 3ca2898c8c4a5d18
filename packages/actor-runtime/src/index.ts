export * from "./api.ts";
export { ChunkedLog, AppliedSet } from "./chunked-log.ts";
export {
  parseDuration,
  createMemoryBackend,
  type StateBackend,
  type ReminderRecord,
  type StateOperation as BackendStateOperation,
} from "./core/index.ts";
export * from "./embedded/index.ts";
export * from "./dapr/index.ts";
export { runDetached } from "./detached.ts";
export {
  activeTraceHeaders,
  actorAttributes,
  actorSpanName,
  linkTo,
  schedulingTraceparent,
  traceActorCall,
  traceDelivery,
  tracePublish,
  traceScheduleFiring,
  traceServiceCall,
  type RpcSystem,
} from "./core/tracing.ts";
