export { app, type AppOptions } from "./app.ts";
export { loadConfig, configSchema, type Config } from "./config.ts";
export { builtinTools, ToolError, defineTool, type ToolDefinition, type ToolContext } from "./tools/index.ts";
export { evaluate, ExpressionError } from "./lib/expression.ts";
export { safeFetch, FetchRefused, type FetchPolicy, type FetchResult } from "./net/safe-fetch.ts";
export { parseAllowList, specialPurpose, type AllowList } from "./net/address-policy.ts";
