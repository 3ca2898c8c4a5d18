import { AgentSession, type SessionEvent } from "@troupe/actor-interfaces";
import type { Platform } from "@troupe/actor-runtime";
import { idParam, requireNonBlank, text } from "@troupe/service-kit";
import type { FastifyPluginAsync } from "fastify";

const textBody = { type: "object", required: ["text"], properties: { text: text(16_000) } } as const;
const POLL_MS = 150;
const HEARTBEAT_MS = 15_000;

/**
 * Seed 003's REST surface for AgentSession: prompt/steer/follow-up/abort, the state, and the events as
 * Server-Sent Events (`id:` is the event's sequence number; reconnect with Last-Event-ID to resume).
 */
export const agentRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const session = (id: string) => platform.actors.actor(AgentSession, id);
  const params = idParam("sessionId");
  type WithText = { Params: { sessionId: string }; Body: { text: string } };

  app.post<WithText>(
    "/agents/:sessionId/prompt",
    { schema: { summary: "Start a run", params, body: textBody } },
    async (req, reply) => {
      const { runId } = await session(req.params.sessionId).Prompt({
        text: requireNonBlank(req.body.text, "text"),
      });
      return reply.code(202).send({ status: "running", runId });
    },
  );
  app.post<WithText>(
    "/agents/:sessionId/steer",
    { schema: { summary: "Inject a message into the run", params, body: textBody } },
    async (req, reply) => {
      await session(req.params.sessionId).Steer({ text: requireNonBlank(req.body.text, "text") });
      return reply.code(202).send({ queued: true });
    },
  );
  app.post<WithText>(
    "/agents/:sessionId/follow-up",
    { schema: { summary: "Queue a message for after the run", params, body: textBody } },
    async (req, reply) => {
      await session(req.params.sessionId).FollowUp({ text: requireNonBlank(req.body.text, "text") });
      return reply.code(202).send({ queued: true });
    },
  );
  app.post<{ Params: { sessionId: string } }>(
    "/agents/:sessionId/abort",
    { schema: { summary: "Abort the run", params } },
    async (req) => session(req.params.sessionId).Abort({}),
  );
  app.get<{ Params: { sessionId: string } }>(
    "/agents/:sessionId",
    { schema: { summary: "Status, messages, pending tool calls, error", params } },
    async (req) => {
      const { status, messages, pendingToolCalls, error } = await session(req.params.sessionId).GetState({});
      return { status, messages, pendingToolCalls, error };
    },
  );

  const streams = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const stop of streams) stop();
  });

  app.get<{ Params: { sessionId: string }; Querystring: { after?: string } }>(
    "/agents/:sessionId/events",
    {
      schema: {
        summary: "Agent events as Server-Sent Events",
        params,
        querystring: { type: "object", properties: { after: { type: "string", pattern: "^[0-9]{1,15}$" } } },
      },
    },
    async (req, reply) => {
      const lastEventId = req.headers["last-event-id"];
      let after = Number(
        typeof lastEventId === "string" && /^\d+$/.test(lastEventId) ? lastEventId : (req.query.after ?? 0),
      );
      let open = true;
      const stop = () => {
        open = false;
      };
      streams.add(stop);
      req.raw.on("close", stop);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      out.write(": connected\n\n");
      const write = (e: SessionEvent) =>
        out.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
      let quietSince = Date.now();
      try {
        while (open) {
          const { events } = await session(req.params.sessionId).GetEvents({ after, limit: 200 });
          for (const event of events) write(event);
          if (events.length > 0) {
            after = events.at(-1)!.seq;
            quietSince = Date.now();
            continue;
          }
          if (Date.now() - quietSince > HEARTBEAT_MS) {
            out.write(": keep-alive\n\n");
            quietSince = Date.now();
          }
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      } catch (err) {
        req.log.warn({ err }, "event stream ended by an error");
        out.write(
          `event: error\ndata: ${JSON.stringify({ message: "event stream failed; reconnect to resume" })}\n\n`,
        );
      } finally {
        streams.delete(stop);
        out.end();
      }
    },
  );
};
