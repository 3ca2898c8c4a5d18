import type { Platform } from "@troupe/actor-runtime";
import { registerOpenApi } from "@troupe/service-kit";
import type { FastifyPluginAsync } from "fastify";
import type { SessionStreams } from "./agents/session-streams.ts";
import { agentEventRoutes } from "./routes/agent-events.ts";
import { agentRoutes } from "./routes/agents.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { sessionRoutes } from "./routes/sessions.ts";

export interface AppOptions {
  platform: Platform;
  /** The hub between this process's agent runs and its event streams (from composeChatService). */
  streams: SessionStreams;
}

/** chat-service as a fastify plugin: routes only, no process concerns (see server.ts). */
export const app: FastifyPluginAsync<AppOptions> = async (fastify, { platform, streams }) => {
  await registerOpenApi(fastify, {
    title: "Troupe chat-service",
    description: "Conversations with DACA agents",
  });
  fastify.get("/", { schema: { hide: true } }, async () => ({
    message: "Welcome to the DACA Chat Service! Access /docs for the API documentation.",
  }));
  fastify.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  await fastify.register(conversationRoutes, { platform });
  await fastify.register(sessionRoutes, { platform });
  await fastify.register(agentRoutes, { platform, streams });
  await fastify.register(agentEventRoutes, { streams });
};
