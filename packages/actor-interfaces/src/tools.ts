/**
 * tool-service contracts: what agents see of the tools and how they call them. Plain types only (no runtime
 * code beyond constants), shared by tool-service and the agent hosts.
 *
 * Calling a tool (Dapr service invocation, or in-process in embedded mode):
 *   POST /v1.0/invoke/tool-service/method/tools/<name>/invoke     (platform: services.invoke(TOOL_SERVICE_APP_ID, toolInvokePath(name), …))
 *   headers: content-type: application/json; Idempotency-Key: <key>  (REQUIRED in practice for "at-most-once" tools)
 *   body:    ToolInvokeRequest  { "arguments": { ... } }
 *   200 →    ToolInvokeResponse { "result": <JSON> }
 *   400 →    { error: { code: "invalid_request", message } }   arguments do not match the tool's schema (names the field)
 *   404 →    { error: { code: "tool_not_found", message } }    no such tool
 *   409 →    { error: { code: "idempotency_conflict", message } } the key was used with different arguments
 *   422 →    { error: { code: "tool_failed", message } }       the tool's expected failure (bad expression, refused URL, …)
 * Listing: GET /tools → ToolListResponse.
 */
import type { Json } from "./actor-type.ts";

/**
 * How safe a tool is to run again:
 * - "read-only": no side effects; retry freely.
 * - "idempotent": side effects, but running twice with the same arguments equals running once.
 * - "at-most-once": must not run twice; callers send an Idempotency-Key and tool-service returns the first
 *   result for a repeated key instead of running again.
 */
export type SideEffect = "read-only" | "idempotent" | "at-most-once";

/** A JSON schema (draft-07 subset as understood by ajv); `type: "object"` at the top for tool arguments. */
export type JsonSchema = { [key: string]: Json };

// DTOs are type aliases, not interfaces, so they are assignable to `Json` (ServiceInvoker.invoke<T extends Json>).
export type ToolDescriptor = {
  name: string;
  description: string;
  /** JSON schema of the `arguments` object. */
  parameters: JsonSchema;
  sideEffect: SideEffect;
};

export type ToolListResponse = {
  tools: ToolDescriptor[];
};

export type ToolInvokeRequest = {
  arguments: { [key: string]: Json };
};

export type ToolInvokeResponse = {
  /** The tool's JSON result (its shape is tool-specific and described in the tool's description). */
  result: Json;
};

export const TOOL_SERVICE_APP_ID = "tool-service";
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

/** The method path for service invocation: `tools/<name>/invoke`. */
export function toolInvokePath(name: string): string {
  return `tools/${encodeURIComponent(name)}/invoke`;
}
