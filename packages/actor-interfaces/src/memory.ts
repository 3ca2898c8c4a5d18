import { actorType } from "./actor-type.ts";
import type { ChatMessage } from "./chat.ts";
import type { ConversationUpdated } from "./events.ts";

export type UserProfile = {
  name: string;
  preferred_style: string;
  user_summary: string;
};

/** The defaults of a user nobody has initialised (those of the DACA tutorials). */
export function defaultProfile(userId: string): UserProfile {
  return { name: userId, preferred_style: "casual", user_summary: `${userId} is a new user.` };
}

/** Peer of ResponseAgent (id = `memory-{id}`), fed only by ConversationUpdated events. Hosted by agent-memory-service. */
export interface MemoryAgentApi {
  GetMemory(input: Record<string, never>): Promise<{ memory: ChatMessage[] }>;
  /** Applies an event once: a redelivered sequence number is acknowledged and ignored. */
  ApplyConversationEvent(input: ConversationUpdated): Promise<{ applied: boolean }>;
  GetProfile(input: Record<string, never>): Promise<UserProfile>;
  InitializeProfile(input: UserProfile): Promise<UserProfile>;
  RefreshSummary(input: Record<string, never>): Promise<UserProfile>;
}

export const MemoryAgent = actorType<MemoryAgentApi>()("MemoryAgent", {
  GetMemory: true,
  ApplyConversationEvent: true,
  GetProfile: true,
  InitializeProfile: true,
  RefreshSummary: true,
});

/** The transcript of one session (id = session id), as served by `GET /conversations/{session_id}`. */
export interface ConversationSessionApi {
  Append(input: ConversationUpdated): Promise<{ applied: boolean }>;
  GetHistory(input: Record<string, never>): Promise<{ history: ChatMessage[] }>;
}

export const ConversationSession = actorType<ConversationSessionApi>()("ConversationSession", {
  Append: true,
  GetHistory: true,
});
