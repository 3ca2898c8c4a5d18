import { AgentSession, ChatAgent, ResponseAgent } from "@troupe/actor-interfaces";
import { registration, type EventPublisher } from "@troupe/actor-runtime";
import { AgentSessionActor } from "./AgentSession.ts";
import type { SessionExecutors } from "../agents/executor.ts";
import type { ReplyEngine } from "../reply/engine.ts";
import { ChatAgentActor } from "./ChatAgent.ts";
import { ResponseAgentActor } from "./ResponseAgent.ts";

export interface ChatActorDeps {
  events: EventPublisher;
  engine: ReplyEngine;
  /** Runs AgentSession loops; without it AgentSession is not hosted. */
  executors?: SessionExecutors;
  /** Where AgentSession announces events it stores itself (default `events`). */
  progressEvents?: EventPublisher;
  /** Limit on ResponseAgent's reply work in one turn (default 45 s). */
  replyTimeoutMs?: number;
  /** Outbox retry schedule of ChatAgent (default 5s, then every 30s). */
  outboxRetry?: { dueTime: string; period: string };
}

/** The actor types chat-service hosts. */
export function chatServiceActors(deps: ChatActorDeps) {
  const { executors } = deps;
  return [
    registration(ChatAgent, (ctx) => new ChatAgentActor(ctx, deps.events, deps.outboxRetry)),
    registration(
      ResponseAgent,
      (ctx) => new ResponseAgentActor(ctx, deps.engine, deps.replyTimeoutMs ?? 45_000),
    ),
    ...(executors
      ? [
          registration(
            AgentSession,
            (ctx) => new AgentSessionActor(ctx, executors, deps.progressEvents ?? deps.events),
          ),
        ]
      : []),
  ];
}
