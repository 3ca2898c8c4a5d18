import { randomUUID } from "node:crypto";
import { ChatAgent, ID_PATTERN } from "@troupe/actor-interfaces";
import type { Platform } from "@troupe/actor-runtime";
import { idempotencyKey, requireNonBlank, text } from "@troupe/service-kit";
import type { FastifyPluginAsync } from "fastify";

interface SessionChatBody {
  user_id: string;
  text: string;
  metadata?: { session_id?: string; timestamp?: string };
  tags?: string[];
}

/** `POST /chat/`: a per-user conversation with an explicit (or new) session id. */
export const sessionRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.post<{ Body: SessionChatBody }>(
    "/chat/",
    {
      schema: {
        summary: "Chat as a user within a session",
        body: {
          type: "object",
          required: ["user_id", "text"],
          properties: {
            user_id: { type: "string", pattern: ID_PATTERN },
            text: text(16_000),
            metadata: {
              type: "object",
              properties: {
                session_id: { type: "string", pattern: ID_PATTERN },
                timestamp: { type: "string" },
              },
            },
            tags: { type: "array", items: { type: "string", maxLength: 100 }, maxItems: 50 },
          },
        },
      },
    },
    async (request) => {
      const { user_id } = request.body;
      const content = requireNonBlank(request.body.text, "text");
      const key = idempotencyKey(request.headers);
      const reply = await platform.actors.actor(ChatAgent, user_id).ProcessMessage({
        role: "user",
        content,
        session_id: request.body.metadata?.session_id ?? randomUUID(),
        ...(key ? { idempotency_key: key } : {}),
      });
      const metadata = { timestamp: new Date().toISOString(), session_id: reply.session_id };
      return { user_id, reply: reply.content, metadata };
    },
  );
};
