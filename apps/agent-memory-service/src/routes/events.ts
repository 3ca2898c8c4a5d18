import {
  ConversationSession,
  MemoryAgent,
  memoryAgentId,
  parseConversationUpdated,
  type ConversationUpdated,
} from "@troupe/actor-interfaces";
import type { DeliveryStatus, Platform } from "@troupe/actor-runtime";
import { acceptCloudEvents } from "@troupe/service-kit";
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";

/** Subscription routes (see components/subscription.yaml): Dapr delivers CloudEvents of topic `user-chat`. */
export const EVENT_ROUTES = {
  conversationUpdated: "/events/conversation-updated",
  unhandled: "/events/unhandled",
} as const;

/**
 * Answers Dapr's statuses: SUCCESS once both the memory window and the session transcript hold the event
 * (each applies it at most once), RETRY when an actor call failed, DROP for events that can never be
 * applied (malformed), which are logged instead of being retried forever.
 */
export const eventRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  acceptCloudEvents(app);

  app.post(EVENT_ROUTES.conversationUpdated, { schema: { hide: true } }, async (request) => {
    const status = await applyEvent(platform, (request.body as { data?: unknown } | null)?.data, request.log);
    return { status };
  });

  app.post(EVENT_ROUTES.unhandled, { schema: { hide: true } }, async (request) => {
    const type = (request.body as { type?: unknown } | null)?.type;
    request.log.warn({ type }, "dropping event without a route");
    return { status: "DROP" satisfies DeliveryStatus };
  });
};

async function applyEvent(platform: Platform, raw: unknown, log: FastifyBaseLogger): Promise<DeliveryStatus> {
  const parsed = parseConversationUpdated(typeof raw === "string" ? safeJson(raw) : raw);
  if (!parsed.ok) {
    log.warn({ reason: parsed.error }, "dropping malformed ConversationUpdated event");
    return "DROP";
  }
  const event: ConversationUpdated = parsed.value;
  try {
    await platform.actors
      .actor(MemoryAgent, memoryAgentId(event.conversation_id))
      .ApplyConversationEvent(event);
    await platform.actors.actor(ConversationSession, event.session_id).Append(event);
    return "SUCCESS";
  } catch (err) {
    log.error(
      { err, conversation: event.conversation_id, sequence: event.sequence },
      "applying event failed; retrying",
    );
    return "RETRY";
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
