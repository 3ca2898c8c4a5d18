import { AgentSession, TroupeError } from "@troupe/actor-interfaces";
import type { Platform } from "@troupe/actor-runtime";
import { idParam, idempotencyKey, requireNonBlank, text } from "@troupe/service-kit";
import type { FastifyPluginAsync } from "fastify";
import { SessionEventStream } from "../agents/event-stream.ts";
import type { SessionStreams } from "../agents/session-streams.ts";

const textBody = { type: "object", required: ["text"], properties: { text: text(16_000) } } as const;
const HEARTBEAT_MS = 15_000;

/**
 * The REST surface of AgentSession: prompt/steer/follow-up/abort, the state, and the events as
 * Server-Sent Events (`id:` is the event's sequence number; reconnect with Last-Event-ID to resume).
 */
export const agentRoutes: FastifyPluginAsync<{ platform: Platform; streams: SessionStreams }> = async (
  app,
  { platform, streams },
) => {
  const session = (id: string) => platform.actors.actor(AgentSession, id);
  const params = idParam("sessionId");
  type WithText = { Params: { sessionId: string }; Body: { text: string } };

  app.post<WithText>(
    "/agents/:sessionId/prompt",
    { schema: { summary: "Start a run", params, body: textBody } },
    async (req, reply) => {
      const key = idempotencyKey(req.headers);
      const { runId } = await session(req.params.sessionId).Prompt({
        text: requireNonBlank(req.body.text, "text"),
        ...(key ? { idempotencyKey: key } : {}),
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

  const open = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const stop of open) stop();
  });

  app.get<{ Params: { sessionId: string }; Querystring: { after?: string } }>(
    "/agents/:sessionId/events",
    {
      schema: {
        summary: "Agent events as Server-Sent Events",
        description:
          "Stored events carry `id:` (their sequence number; reconnect with Last-Event-ID to resume). " +
          "Streaming deltas (`message_update`) are pushed live without an id and are not replayed: each " +
          "message arrives whole in its `message_end`.",
        params,
        querystring: { type: "object", properties: { after: { type: "string", pattern: "^[0-9]{1,15}$" } } },
      },
    },
    async (req, reply) => {
      const { sessionId } = req.params;
      const lastEventId = req.headers["last-event-id"];
      const after = Number(
        typeof lastEventId === "string" && /^\d+$/.test(lastEventId) ? lastEventId : (req.query.after ?? 0),
      );
      if (!streams.hasRoom) {
        const message = `this process serves at most ${streams.maxStreams} event streams; retry later`;
        throw new TroupeError("too_many_streams", message, 429);
      }
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      out.write(": connected\n\n");
      const heartbeat = setInterval(() => out.write(": keep-alive\n\n"), HEARTBEAT_MS).unref();
      const stream = new SessionEventStream({
        sessionId,
        after,
        streams,
        readStored: async (cursor) =>
          (await session(sessionId).GetEvents({ after: cursor, limit: 200 })).events,
        write: (e) =>
          out.write(
            `${e.seq === undefined ? "" : `id: ${e.seq}\n`}event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`,
          ),
        fail: (err) => {
          req.log.warn({ err }, "event stream ended by an error");
          out.end(
            `event: error\ndata: ${JSON.stringify({ message: "event stream failed; reconnect to resume" })}\n\n`,
          );
        },
      });
      const stop = () => {
        clearInterval(heartbeat);
        stream.close();
        open.delete(stop);
        out.end();
      };
      open.add(stop);
      req.raw.on("close", stop);
      stream.start();
    },
  );
};
