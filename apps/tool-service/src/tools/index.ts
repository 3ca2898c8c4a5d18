import type { FetchHooks, FetchPolicy } from "../net/safe-fetch.ts";
import { calculator } from "./calculator.ts";
import { getCurrentTime } from "./get-current-time.ts";
import type { ToolDefinition } from "./types.ts";
import { webFetch } from "./web-fetch.ts";

export interface BuiltinToolOptions {
  webFetch: FetchPolicy;
  /** Test seams for web_fetch (resolver, connect observer). */
  webFetchHooks?: Omit<FetchHooks, "signal">;
}

/** The registry: every built-in tool, one file each. */
export function builtinTools(options: BuiltinToolOptions): ToolDefinition[] {
  return [getCurrentTime(), calculator, webFetch(options.webFetch, options.webFetchHooks)];
}

export { ToolError, defineTool, type ToolDefinition, type ToolContext } from "./types.ts";
