import type { ActorClient, ChatMessage } from "@troupe/actor-interfaces";

export interface ReplyRequest {
  conversationId: string;
  content: string;
  /** How many messages ResponseAgent has handled, this one included. */
  count: number;
  /** MemoryAgent's rolling window (oldest first); empty until the first event was applied. */
  memory: ChatMessage[];
  /** The conversation's latest messages before this one (oldest first). */
  recent: ChatMessage[];
  /** Calls made while replying carry the current call chain (reentrancy, trace). */
  actors: ActorClient;
  signal?: AbortSignal;
}

/** Produces ResponseAgent's reply text. Pluggable: deterministic (the DACA tutorials' text) or LLM. */
export interface ReplyEngine {
  readonly name: string;
  reply(request: ReplyRequest): Promise<string>;
}
