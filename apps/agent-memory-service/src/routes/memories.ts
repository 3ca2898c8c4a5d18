import { ConversationSession, MemoryAgent, memoryAgentId, type UserProfile } from "@troupe/actor-interfaces";
import type { Platform } from "@troupe/actor-runtime";
import { idParam, requireNonBlank, text } from "@troupe/service-kit";
import type { FastifyPluginAsync } from "fastify";

const profileSchema = {
  type: "object",
  required: ["name", "preferred_style", "user_summary"],
  properties: { name: text(200), preferred_style: text(100), user_summary: text(4000) },
} as const;

/** Memory endpoints: user profiles and session transcripts. */
export const memoryRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { actors } = platform;

  app.get<{ Params: { user_id: string } }>(
    "/memories/:user_id",
    {
      schema: {
        summary: "A user's profile (defaults for an unknown user)",
        params: idParam("user_id"),
        response: { 200: profileSchema },
      },
    },
    async (request) => actors.actor(MemoryAgent, memoryAgentId(request.params.user_id)).GetProfile({}),
  );

  app.post<{ Params: { user_id: string }; Body: UserProfile }>(
    "/memories/:user_id/initialize",
    { schema: { summary: "Set a user's profile", params: idParam("user_id"), body: profileSchema } },
    async (request) => {
      const { user_id } = request.params;
      for (const field of ["name", "preferred_style", "user_summary"] as const)
        requireNonBlank(request.body[field], field);
      const metadata = await actors
        .actor(MemoryAgent, memoryAgentId(user_id))
        .InitializeProfile(request.body);
      return { status: "success", user_id, metadata };
    },
  );

  app.get<{ Params: { session_id: string } }>(
    "/conversations/:session_id",
    { schema: { summary: "A session's transcript", params: idParam("session_id") } },
    async (request) => actors.actor(ConversationSession, request.params.session_id).GetHistory({}),
  );
};
