export * from "./duration.ts";
export * from "./call-context.ts";
export * from "./json.ts";
export * from "./state-backend.ts";
export * from "./actor-state.ts";
export * from "./memory-backend.ts";
export * from "./turn-lock.ts";
export * from "./cancel.ts";
