import { textResult } from "./messages.ts";
import type { AgentTool, Json, JsonObject } from "./types.ts";

/**
 * Tools that run somewhere else (tool-service). Structurally the same as actor-interfaces' ToolDescriptor,
 * declared here so this package has no dependency beyond openai and @opentelemetry/api.
 */
export interface RemoteToolDescriptor {
  name: string;
  description: string;
  /** A JSON schema (typed loosely so actor-interfaces' ToolDescriptor[] is accepted as is). */
  parameters: { readonly [key: string]: unknown };
  sideEffect?: "read-only" | "idempotent" | "at-most-once";
}

export interface RemoteInvokeOptions {
  signal: AbortSignal;
  toolCallId: string;
  /** Set for at-most-once tools: the same tool call always carries the same key (send it as Idempotency-Key). */
  idempotencyKey?: string;
}

/** Calls one remote tool and resolves with its JSON result; rejects (any Error) on failure. */
export type RemoteToolInvoker = (
  name: string,
  args: JsonObject,
  options: RemoteInvokeOptions,
) => Promise<Json>;

export interface RemoteToolsOptions {
  /**
   * Prefix of idempotency keys, e.g. the session id: the key is `${scope}:${toolCallId}`, so a re-run of the
   * same tool call (a retry, or the loop resumed after a crash) is recognised by tool-service and not
   * executed twice, while equal call ids of different sessions do not collide.
   */
  idempotencyScope?: string;
}

/**
 * Adapts remote tool descriptors to AgentTools. The result is given to the model as JSON text (a string
 * result as is) and kept as `details`; a rejection becomes an isError tool result with its message.
 */
export function remoteTools(
  descriptors: RemoteToolDescriptor[],
  invoke: RemoteToolInvoker,
  options: RemoteToolsOptions = {},
): AgentTool[] {
  return descriptors.map((d) => ({
    name: d.name,
    description: d.description,
    parameters: d.parameters as JsonObject,
    async execute(args, ctx) {
      const idempotencyKey =
        d.sideEffect === "at-most-once"
          ? options.idempotencyScope
            ? `${options.idempotencyScope}:${ctx.toolCallId}`
            : ctx.toolCallId
          : undefined;
      const result = await invoke(d.name, args, {
        signal: ctx.signal,
        toolCallId: ctx.toolCallId,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      return textResult(typeof result === "string" ? result : JSON.stringify(result), result);
    },
  }));
}
