import { ChatAgent, ResponseAgent } from "@troupe/actor-interfaces";
import { registration, type EventPublisher } from "@troupe/actor-runtime";
import type { ReplyEngine } from "../reply/engine.ts";
import { ChatAgentActor } from "./ChatAgent.ts";
import { ResponseAgentActor } from "./ResponseAgent.ts";

export interface ChatActorDeps {
  events: EventPublisher;
  engine: ReplyEngine;
}

/** The actor types chat-service hosts. */
export function chatServiceActors(deps: ChatActorDeps) {
  return [
    registration(ChatAgent, (ctx) => new ChatAgentActor(ctx, deps.events)),
    registration(ResponseAgent, (ctx) => new ResponseAgentActor(ctx, deps.engine)),
  ];
}
