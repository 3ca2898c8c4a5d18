import { actorType } from "./actor-type.ts";

export type Role = "user" | "assistant";

/** A message as stored and returned: role, content and when it was stored (ISO 8601). */
export type ChatMessage = {
  role: Role;
  content: string;
  timestamp?: string;
};

export type ProcessMessageInput = {
  role: "user";
  content: string;
  /** The session this message belongs to (`POST /chat/`); defaults to the conversation id. */
  session_id?: string;
  /**
   * A client's retry key (the `Idempotency-Key` header): a message with a key the agent has answered is
   * answered the same way again and stored nothing new; the same key with other content is refused (409).
   */
  idempotency_key?: string;
};

/** ChatAgent's answer: the reply, and the session the exchange was recorded in. */
export type ProcessedMessage = ChatMessage & { session_id: string };

export type HistoryQuery = {
  /** Newest `limit` messages (default 50, max 500). */
  limit?: number;
  /** Only messages with an index lower than this (a cursor returned as `next_before`). */
  before?: number;
};

export type HistoryPage = {
  /** Chronological order. */
  history: ChatMessage[];
  /** Pass as `before` to get the previous page; absent on the first message. */
  next_before?: number;
  total: number;
};

export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 500;

/** Parent actor of a conversation (id = conversation id). Hosted by chat-service. */
export interface ChatAgentApi {
  ProcessMessage(input: ProcessMessageInput): Promise<ProcessedMessage>;
  GetConversationHistory(input: HistoryQuery): Promise<HistoryPage>;
  ClearHistory(input: Record<string, never>): Promise<{ cleared: number }>;
}

export const ChatAgent = actorType<ChatAgentApi>()("ChatAgent", {
  ProcessMessage: true,
  GetConversationHistory: true,
  ClearHistory: true,
});

export type RespondInput = {
  content: string;
  /** The latest messages of the conversation (oldest first), for engines that use history. */
  recent?: ChatMessage[];
};

/** Child of ChatAgent (id = `response-{id}`): counts messages and produces replies. Hosted by chat-service. */
export interface ResponseAgentApi {
  ProcessMessage(input: RespondInput): Promise<ChatMessage>;
  GetMessageCount(input: Record<string, never>): Promise<{ count: number }>;
}

export const ResponseAgent = actorType<ResponseAgentApi>()("ResponseAgent", {
  ProcessMessage: true,
  GetMessageCount: true,
});
