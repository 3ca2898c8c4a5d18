export * from "./actor-client.ts";
export * from "./inbound-context.ts";
export * from "./cloudevents.ts";
export * from "./host.ts";
export * from "./http-sidecar.ts";
export * from "./platform.ts";
export { REMINDER_CANCEL_HEADER, toDaprDuration } from "./schedules.ts";
export * from "./sidecar-client.ts";
export * from "./sidecar-state.ts";
