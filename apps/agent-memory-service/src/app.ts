import type { Platform } from "@troupe/actor-runtime";
import { registerOpenApi } from "@troupe/service-kit";
import type { FastifyPluginAsync } from "fastify";
import { eventRoutes } from "./routes/events.ts";
import { memoryRoutes } from "./routes/memories.ts";

export interface AppOptions {
  platform: Platform;
}

/** agent-memory-service as a fastify plugin: routes only, no process concerns (see server.ts). */
export const app: FastifyPluginAsync<AppOptions> = async (fastify, { platform }) => {
  await registerOpenApi(fastify, {
    title: "Troupe agent-memory-service",
    description: "User profiles and memory",
  });
  fastify.get("/", { schema: { hide: true } }, async () => ({
    message: "Welcome to the DACA Agent Memory Service! Access /docs for the API documentation.",
  }));
  fastify.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  await fastify.register(memoryRoutes, { platform });
  await fastify.register(eventRoutes, { platform });
};
