import { ConversationSession, MemoryAgent } from "@troupe/actor-interfaces";
import { registration } from "@troupe/actor-runtime";
import { ConversationSessionActor } from "./ConversationSession.ts";
import { MemoryAgentActor, type MemoryAgentOptions } from "./MemoryAgent.ts";

/** The actor types agent-memory-service hosts. */
export function memoryServiceActors(options: MemoryAgentOptions) {
  return [
    registration(MemoryAgent, (ctx) => new MemoryAgentActor(ctx, options)),
    registration(ConversationSession, (ctx) => new ConversationSessionActor(ctx)),
  ];
}
