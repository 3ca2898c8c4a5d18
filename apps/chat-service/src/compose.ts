import type { ActorLogger, EventPublisher, Platform } from "@troupe/actor-runtime";
import { Topics } from "@troupe/actor-interfaces";
import { chatServiceActors } from "./actors/index.ts";
import { SessionExecutors } from "./agents/executor.ts";
import { SessionStreams } from "./agents/session-streams.ts";
import { toolServiceTools } from "./agents/tools.ts";
import type { Config } from "./config.ts";
import { resolveModel } from "./model.ts";
import { deterministicEngine } from "./reply/deterministic.ts";
import { llmEngine } from "./reply/llm.ts";

/** What chat-service hosts, wired from its config: the same in Dapr mode and embedded. */
export interface ChatServiceParts {
  registrations: ReturnType<typeof chatServiceActors>;
  engine: "llm" | "deterministic";
  /** For the app plugin: where this process's agent runs push their events. */
  streams: SessionStreams;
  close(): Promise<void>;
}

/**
 * Builds chat-service's actors. `platform` may be filled lazily (the embedded runtime needs the
 * registrations before it exists); it is only used once actors run. `broadcast` publishes agent progress
 * so that every replica hears it (the broadcast pub/sub component on Dapr); `platform.events` by default.
 */
export async function composeChatService(
  config: Config,
  platform: Platform,
  log: ActorLogger,
  broadcast: EventPublisher = { publish: (topic, event) => platform.events.publish(topic, event) },
): Promise<ChatServiceParts> {
  const model = await resolveModel(config, { get: (name) => platform.secrets.get(name) });
  const tools = toolServiceTools(platform);
  const streams = new SessionStreams();
  const executors = new SessionExecutors({
    model: model.model,
    tools,
    systemPrompt: "You are a helpful assistant. Use the tools when they help.",
    captureContent: config.captureContent,
    // Read when used, not now: the embedded composition fills `platform` after composing.
    platform: {
      get actors() {
        return platform.actors;
      },
      events: broadcast,
    },
    streams,
    eventsTopic: Topics.agentEvents,
    log,
  });
  const engine = model.configured
    ? llmEngine({ model: model.model, tools, captureContent: config.captureContent })
    : deterministicEngine();
  return {
    registrations: chatServiceActors({
      events: { publish: (t, e) => platform.events.publish(t, e) },
      engine,
      executors,
      progressEvents: broadcast,
      replyTimeoutMs: config.replyTimeoutMs,
    }),
    engine: model.configured ? "llm" : "deterministic",
    streams,
    async close() {
      await executors.stopAll();
      await model.close();
    },
  };
}
