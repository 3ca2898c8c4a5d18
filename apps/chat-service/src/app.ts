import type { FastifyPluginAsync } from "fastify";

export interface AppOptions {}

/** chat-service as a fastify plugin: routes only, no process concerns (see server.ts). */
export const app: FastifyPluginAsync<AppOptions> = async (fastify) => {
  fastify.get("/healthz", async () => ({ status: "ok" }));
};
