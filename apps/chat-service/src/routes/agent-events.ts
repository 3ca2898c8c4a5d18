import type { DeliveryStatus } from "@troupe/actor-runtime";
import { acceptCloudEvents } from "@troupe/service-kit";
import type { FastifyPluginAsync } from "fastify";
import type { SessionStreams } from "../agents/session-streams.ts";

/** Subscription route of components/subscription-agent-events.yaml. */
export const AGENT_PROGRESS_ROUTE = "/events/agent-progress";

/**
 * `agent.progress` CloudEvents: a session's stored event log grew. Wakes this process's streams of that
 * session when its run is hosted elsewhere (a no-op when it runs here: its streams already have the events).
 */
export const agentEventRoutes: FastifyPluginAsync<{ streams: SessionStreams }> = async (app, { streams }) => {
  acceptCloudEvents(app);

  app.post(AGENT_PROGRESS_ROUTE, { schema: { hide: true } }, async (request) => {
    const data = (request.body as { data?: { sessionId?: unknown } } | null)?.data;
    if (typeof data?.sessionId !== "string") {
      request.log.warn("dropping an agent.progress event without a session id");
      return { status: "DROP" satisfies DeliveryStatus };
    }
    streams.notifyStored(data.sessionId);
    return { status: "SUCCESS" satisfies DeliveryStatus };
  });
};
