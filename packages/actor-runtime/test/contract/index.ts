export * from "./actors.ts";
export * from "./harness.ts";
export * from "./log.ts";
export * from "./suite.ts";
