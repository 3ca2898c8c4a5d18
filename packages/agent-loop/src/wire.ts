import type { Json, LlmMessage, ModelRequest, TextContent, ToolCall } from "./types.ts";

/**
 * Converts the model-facing messages to OpenAI chat-completions messages (plain objects; no vendor fields):
 * - system prompt → a leading `system` message;
 * - assistant messages that failed (stopReason error/aborted) are left out: they are transcript notes, not
 *   model output, and half-streamed text would confuse the model;
 * - every tool call gets a `tool` reply: a call with no result in the transcript (a crash or abort between
 *   the call and its result) gets a synthetic error reply, because OpenAI-compatible servers reject a
 *   conversation with an unanswered tool call.
 */
export type WireMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | {
      role: "assistant";
      content: string | null;
      tool_calls?: {
        id: string;
        type: "function";
        function: { name: string; arguments: string };
        extra_content?: Json;
      }[];
    }
  | { role: "tool"; tool_call_id: string; content: string };

export function toLlmWireMessages(request: ModelRequest): WireMessage[] {
  const out: WireMessage[] = [];
  if (request.systemPrompt) out.push({ role: "system", content: request.systemPrompt });
  let open: { id: string }[] = [];
  const closeOpen = () => {
    for (const call of open)
      out.push({
        role: "tool",
        tool_call_id: call.id,
        content: "Error: no result was recorded for this tool call.",
      });
    open = [];
  };
  for (const message of request.messages) {
    switch (message.role) {
      case "user":
        closeOpen();
        out.push({ role: "user", content: message.content });
        break;
      case "assistant": {
        closeOpen();
        if (message.stopReason === "error" || message.stopReason === "aborted") break;
        const text = textOf(message);
        const calls = message.content.filter((c) => c.type === "toolCall");
        if (calls.length === 0) {
          out.push({ role: "assistant", content: text });
          break;
        }
        out.push({
          role: "assistant",
          content: text.length > 0 ? text : null,
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: "function",
            function: { name: c.name, arguments: JSON.stringify(c.arguments) },
            // Echo what the server gave us (nothing is added for servers that sent none).
            ...(c.extraContent !== undefined ? { extra_content: c.extraContent } : {}),
          })),
        });
        open = calls.map((c) => ({ id: c.id }));
        break;
      }
      case "toolResult": {
        const index = open.findIndex((c) => c.id === message.toolCallId);
        if (index < 0) break; // a result whose call is not in context (e.g. trimmed away) would be rejected
        open.splice(index, 1);
        out.push({ role: "tool", tool_call_id: message.toolCallId, content: textOf(message) });
        break;
      }
    }
  }
  closeOpen();
  return out;
}

function textOf(message: Exclude<LlmMessage, { role: "user" }>): string {
  return (message.content as (TextContent | ToolCall)[])
    .filter((c): c is TextContent => c.type === "text")
    .map((c) => c.text)
    .join("");
}
