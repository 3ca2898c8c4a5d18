import type { Json, JsonSchema, SideEffect } from "@troupe/actor-interfaces";
import { TroupeError } from "@troupe/actor-interfaces";

export interface ToolContext {
  /** Aborted when the HTTP request is closed by the caller. */
  signal: AbortSignal;
}

/**
 * One tool: each lives in its own file under src/tools/ and is listed in src/tools/index.ts.
 * `parameters` is the JSON schema of the arguments object (fastify/ajv validates it before `execute`, with
 * ajv's coercion and defaults; unknown arguments are refused when `additionalProperties` is false).
 * `execute` returns the JSON result, throws ToolError for expected failures (→ 422) and anything else for
 * bugs (→ 500, logged).
 */
export interface ToolDefinition<A = Record<string, Json>> {
  name: string;
  description: string;
  parameters: JsonSchema;
  sideEffect: SideEffect;
  execute(args: A, ctx: ToolContext): Promise<Json>;
}

/** A tool's expected failure: bad input the schema cannot express, a refused URL, a division by zero. */
export class ToolError extends TroupeError {
  constructor(message: string, code = "tool_failed") {
    super(code, message, 422);
  }
}

/** Erases a tool's argument type for the registry (arguments are schema-validated before execute). */
export function defineTool<A>(tool: ToolDefinition<A>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
