export * from "./actor-type.ts";
export * from "./errors.ts";
