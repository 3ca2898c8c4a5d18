import {
  ChatAgent,
  HISTORY_MAX_LIMIT,
  MemoryAgent,
  ResponseAgent,
  TroupeError,
  memoryAgentId,
  responseAgentId,
} from "@troupe/actor-interfaces";
import type { Platform } from "@troupe/actor-runtime";
import { idParam, idempotencyKey, requireNonBlank, text } from "@troupe/service-kit";
import type { FastifyPluginAsync } from "fastify";

const message = {
  type: "object",
  properties: { role: { type: "string" }, content: { type: "string" } },
} as const;

/** Conversation endpoints: one conversation per id, served by ChatAgent and its child and peer. */
export const conversationRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const { actors } = platform;

  app.post<{ Params: { id: string }; Body: { role?: "user"; content: string } }>(
    "/chat/:id",
    {
      schema: {
        summary: "Send a message to a conversation and get the agent's reply",
        params: idParam("id"),
        body: {
          type: "object",
          required: ["content"],
          properties: { role: { type: "string", enum: ["user"], default: "user" }, content: text(16_000) },
        },
        response: { 200: { type: "object", properties: { response: message } } },
      },
    },
    async (request) => {
      const content = requireNonBlank(request.body.content, "content");
      const key = idempotencyKey(request.headers);
      const response = await actors
        .actor(ChatAgent, request.params.id)
        .ProcessMessage({ role: "user", content, ...(key ? { idempotency_key: key } : {}) });
      return { response };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: string; before?: string } }>(
    "/chat/:id/history",
    {
      schema: {
        summary: "The conversation in chronological order, newest page first (cursor: next_before)",
        params: idParam("id"),
        querystring: {
          type: "object",
          properties: {
            limit: {
              type: "string",
              pattern: "^[0-9]{1,6}$",
              description: `1..${HISTORY_MAX_LIMIT}, default 50`,
            },
            before: {
              type: "string",
              pattern: "^[0-9]{1,15}$",
              description: "cursor: next_before of a newer page",
            },
          },
        },
      },
    },
    async (request) => {
      const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
      if (limit !== undefined && (limit < 1 || limit > HISTORY_MAX_LIMIT)) {
        throw new TroupeError(
          "invalid_request",
          `querystring field "limit" must be between 1 and ${HISTORY_MAX_LIMIT}`,
        );
      }
      const before = request.query.before === undefined ? undefined : Number(request.query.before);
      return actors.actor(ChatAgent, request.params.id).GetConversationHistory({
        ...(limit !== undefined ? { limit } : {}),
        ...(before !== undefined ? { before } : {}),
      });
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/chat/:id/history",
    { schema: { summary: "Clear the conversation's history", params: idParam("id") } },
    async (request) => {
      const { cleared } = await actors.actor(ChatAgent, request.params.id).ClearHistory({});
      return { status: "cleared", cleared };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/response/:id/count",
    { schema: { summary: "Messages handled by the conversation's ResponseAgent", params: idParam("id") } },
    async (request) => actors.actor(ResponseAgent, responseAgentId(request.params.id)).GetMessageCount({}),
  );

  app.get<{ Params: { id: string } }>(
    "/memory/:id",
    { schema: { summary: "The conversation's MemoryAgent window", params: idParam("id") } },
    async (request) => actors.actor(MemoryAgent, memoryAgentId(request.params.id)).GetMemory({}),
  );
};
