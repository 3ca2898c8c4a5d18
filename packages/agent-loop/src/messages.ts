import type {
  AssistantMessage,
  CustomMessage,
  Json,
  LlmMessage,
  TextContent,
  ToolCall,
  ToolResult,
  ToolResultMessage,
  Usage,
  UserMessage,
} from "./types.ts";

/** Helpers to build messages; every message is plain JSON. */

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
}

export function userMessage(text: string, timestamp = Date.now()): UserMessage {
  return { role: "user", content: text, timestamp };
}

export function customMessage(kind: string, data: Json, timestamp = Date.now()): CustomMessage {
  return { role: "custom", kind, data, timestamp };
}

/** A tool result with one text block. */
export function textResult(text: string, details?: Json): ToolResult {
  return details === undefined
    ? { content: [{ type: "text", text }] }
    : { content: [{ type: "text", text }], details };
}

export function toolResultMessage(
  toolCallId: string,
  toolName: string,
  result: ToolResult,
  isError: boolean,
): ToolResultMessage {
  const message: ToolResultMessage = {
    role: "toolResult",
    toolCallId,
    toolName,
    content: result.content,
    isError,
    timestamp: Date.now(),
  };
  if (result.details !== undefined) message.details = result.details;
  return message;
}

/** An assistant message standing for a failure outside the model call (e.g. the context pipeline threw). */
export function failedAssistantMessage(
  model: string,
  reason: "error" | "aborted",
  errorMessage: string,
): AssistantMessage {
  return {
    role: "assistant",
    content: [],
    model,
    usage: emptyUsage(),
    stopReason: reason,
    errorMessage,
    timestamp: Date.now(),
  };
}

/** The text of an assistant (or user/tool result) message, blocks joined. */
export function messageText(message: LlmMessage): string {
  if (message.role === "user") return message.content;
  return (message.content as (TextContent | ToolCall)[])
    .filter((c): c is TextContent => c.type === "text")
    .map((c) => c.text)
    .join("");
}

/** A deep copy of an assistant message, safe to hand to listeners while the original keeps growing. */
export function snapshot(message: AssistantMessage): AssistantMessage {
  return {
    ...message,
    usage: { ...message.usage },
    content: message.content.map((c) =>
      c.type === "text" ? { ...c } : { ...c, arguments: { ...c.arguments } },
    ),
  };
}
