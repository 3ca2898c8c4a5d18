import { actorType, type Json } from "./actor-type.ts";

/**
 * AgentSession: an LLM agent loop per session id, hosted by chat-service. Messages and events
 * are the agent loop's own JSON objects (see @troupe/agent-loop); this contract keeps them opaque.
 */
export type AgentMessageJson = { role: string; [key: string]: Json | undefined };

export type PendingToolCallJson = { toolCallId: string; toolName: string; args: Json };

export type AgentSessionState = {
  status: "idle" | "running";
  messages: AgentMessageJson[];
  pendingToolCalls: PendingToolCallJson[];
  /** The last run's failure (model error, abort, interrupted host), or null. */
  error: string | null;
  runId: string | null;
};

/** One agent event with its per-session sequence number (the SSE `id`). */
export type SessionEvent = { seq: number; type: string; data: Json };

export type TextInput = { text: string };

/** A prompt; a retry with the same `idempotencyKey` gets the first run's id and starts nothing. */
export type PromptInput = TextInput & { idempotencyKey?: string };

/**
 * What the executor reports after events happened (internal: called by the host running the loop). Events
 * are the ones to store (never streaming deltas), numbered from `firstSeq` (the SSE ids live clients saw).
 */
export type ProgressReport = {
  runId: string;
  firstSeq: number;
  events: { type: string; data: Json }[];
  /** Messages completed since the last report (message_end), in order. */
  messages: AgentMessageJson[];
  pendingToolCalls: PendingToolCallJson[];
  /** Set on the last report of a run. */
  finished?: { error: string | null };
};

export interface AgentSessionApi {
  /** Starts a run; refused with 409 `session_busy` while one is running (use Steer or FollowUp). */
  Prompt(input: PromptInput): Promise<{ runId: string }>;
  /** Injects a user message into the running run; 409 `not_running` when idle. */
  Steer(input: TextInput): Promise<{ queued: true }>;
  /** Queues a message to run after the current run would stop; 409 `not_running` when idle. */
  FollowUp(input: TextInput): Promise<{ queued: true }>;
  Abort(input: Record<string, never>): Promise<{ aborted: boolean }>;
  GetState(input: Record<string, never>): Promise<AgentSessionState>;
  GetEvents(input: { after?: number; limit?: number }): Promise<{ events: SessionEvent[] }>;
  RecordProgress(input: ProgressReport): Promise<{ accepted: boolean }>;
}

export const AgentSession = actorType<AgentSessionApi>()("AgentSession", {
  Prompt: true,
  Steer: true,
  FollowUp: true,
  Abort: true,
  GetState: true,
  GetEvents: true,
  RecordProgress: true,
});
