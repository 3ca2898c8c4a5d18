import type { ChatMessage } from "./chat.ts";

/** Pub/sub component, topics and CloudEvent types. */
export const PUBSUB_NAME = "pubsub";
/**
 * Pub/sub component on which every instance of a subscribing app gets every event (its own consumer group
 * per instance): notifications that each replica must see, such as agent progress for its open streams.
 */
export const BROADCAST_PUBSUB_NAME = "broadcast";
/** The Dapr secret store component (components/secretstore.yaml, the chart's kubernetes store). */
export const SECRET_STORE_NAME = "secretstore";
export const Topics = {
  userChat: "user-chat",
  userChatDeadLetter: "user-chat-deadletter",
  agentEvents: "agent-events",
} as const;
export const EventTypes = { conversationUpdated: "ConversationUpdated" } as const;

/**
 * Published by ChatAgent after the exchange is committed. `sequence` counts exchanges per conversation
 * (1, 2, ...), so subscribers apply each event exactly once even when it is redelivered.
 * `event_type`, `actor_id`, `user_message` and `assistant_reply` keep the field names of the DACA tutorials' events.
 */
export type ConversationUpdated = {
  event_type: "ConversationUpdated";
  conversation_id: string;
  actor_id: string;
  actor_type: "ChatAgent";
  user_id: string;
  session_id: string;
  sequence: number;
  input: ChatMessage;
  output: ChatMessage;
  user_message: string;
  assistant_reply: string;
  timestamp: string;
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function isMessage(v: unknown): v is ChatMessage {
  if (typeof v !== "object" || v === null) return false;
  const m = v as Record<string, unknown>;
  return (m.role === "user" || m.role === "assistant") && typeof m.content === "string";
}

/** Runtime validation of an incoming event's data; the error names the first bad field. */
export function parseConversationUpdated(data: unknown): Parsed<ConversationUpdated> {
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return { ok: false, error: "data must be an object" };
  const d = data as Record<string, unknown>;
  if (d.event_type !== "ConversationUpdated")
    return { ok: false, error: `event_type must be "ConversationUpdated"` };
  for (const field of ["conversation_id", "user_id", "session_id", "timestamp"] as const) {
    if (typeof d[field] !== "string" || d[field] === "")
      return { ok: false, error: `${field} must be a non-empty string` };
  }
  if (typeof d.sequence !== "number" || !Number.isInteger(d.sequence) || d.sequence < 1) {
    return { ok: false, error: "sequence must be a positive integer" };
  }
  if (!isMessage(d.input)) return { ok: false, error: "input must be a message {role, content}" };
  if (!isMessage(d.output)) return { ok: false, error: "output must be a message {role, content}" };
  return { ok: true, value: d as unknown as ConversationUpdated };
}

export function conversationUpdated(fields: {
  conversationId: string;
  userId: string;
  sessionId: string;
  sequence: number;
  input: ChatMessage;
  output: ChatMessage;
  timestamp: string;
}): ConversationUpdated {
  return {
    event_type: "ConversationUpdated",
    conversation_id: fields.conversationId,
    actor_id: fields.conversationId,
    actor_type: "ChatAgent",
    user_id: fields.userId,
    session_id: fields.sessionId,
    sequence: fields.sequence,
    input: fields.input,
    output: fields.output,
    user_message: fields.input.content,
    assistant_reply: fields.output.content,
    timestamp: fields.timestamp,
  };
}
