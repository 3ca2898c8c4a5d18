export * from "./actor-type.ts";
export * from "./errors.ts";
export * from "./ids.ts";
export * from "./chat.ts";
export * from "./memory.ts";
export * from "./events.ts";
export * from "./tools.ts";
export * from "./agents.ts";
