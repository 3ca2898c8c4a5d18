import { PUBSUB_NAME, Topics, EventTypes } from "@troupe/actor-interfaces";
import {
  activeTraceHeaders,
  createEmbeddedPlatform,
  createStderrLogger,
  type ActorLogger,
  type ActorRuntimeSettings,
  type CloudEvent,
  type DeliveryStatus,
  type EmbeddedPlatform,
  type Platform,
  type ServiceHandler,
  type StateBackend,
} from "@troupe/actor-runtime";
import * as memoryService from "@troupe/agent-memory-service";
import * as chatService from "@troupe/chat-service";
import * as toolService from "@troupe/tool-service";
import { createServer } from "@troupe/service-kit";
import { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";

export interface EmbeddedSystemOptions {
  host?: string;
  /** Ports of chat-service, agent-memory-service and tool-service; 0 picks free ones. */
  ports?: { chat: number; memory: number; tools: number };
  logLevel?: string;
  /** Actor state and reminders; in memory when omitted. */
  state?: StateBackend;
  /** chat-service settings (model endpoint etc.); its defaults when omitted. */
  chatConfig?: chatService.Config;
  /** agent-memory-service settings (memory window, summary period); its defaults when omitted. */
  memoryConfig?: memoryService.Config;
  settings?: Partial<ActorRuntimeSettings>;
  secrets?: Record<string, string | undefined>;
  /** tool-service settings; its defaults when omitted. */
  toolConfig?: toolService.Config;
  log?: ActorLogger;
}

export interface EmbeddedSystem {
  readonly urls: { chat: string; memory: string; tools: string };
  readonly platform: EmbeddedPlatform;
  readonly servers: { chat: FastifyInstance; memory: FastifyInstance; tools: FastifyInstance };
  stop(): Promise<void>;
}

/**
 * The three services in one process on the embedded runtime: the same app plugins and actor classes as
 * under Dapr, with in-process actors, pub/sub (routed as components/subscription-user-chat.yaml routes it)
 * and service invocation (answered by `fastify.inject`).
 */
export async function startEmbeddedSystem(options: EmbeddedSystemOptions = {}): Promise<EmbeddedSystem> {
  const host = options.host ?? "127.0.0.1";
  const ports = options.ports ?? { chat: 8010, memory: 8001, tools: 8020 };
  const services = new Map<string, ServiceHandler>();
  // Actors are registered before the platform exists; they reach it through this view once it does.
  // eslint-disable-next-line prefer-const -- assigned below, read lazily by the getters
  let platform: EmbeddedPlatform | undefined;
  const lazy: Platform = {
    get actors() {
      return platform!.actors;
    },
    get events() {
      return platform!.events;
    },
    get services() {
      return platform!.services;
    },
    get secrets() {
      return platform!.secrets;
    },
  };
  const log = options.log ?? createStderrLogger();
  const chatParts = await chatService.composeChatService(
    options.chatConfig ?? chatService.loadConfig({}),
    lazy,
    log,
  );
  const memoryParts = memoryService.composeMemoryService(
    options.memoryConfig ?? memoryService.loadConfig({}),
  );

  platform = await createEmbeddedPlatform({
    registrations: [...chatParts.registrations, ...memoryParts.registrations],
    services,
    pubsub: { name: PUBSUB_NAME, source: "chat-service", log },
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.state ? { state: options.state } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    log,
  });

  const logLevel = options.logLevel ?? "info";
  const chat = createServer({ name: "chat-service", logLevel });
  await chat.register(chatService.app, { platform, streams: chatParts.streams });
  const memory = createServer({ name: "agent-memory-service", logLevel });
  await memory.register(memoryService.app, { platform });
  const tools = createServer({ name: "tool-service", logLevel });
  await tools.register(toolService.app, { config: options.toolConfig ?? toolService.loadConfig({}) });

  for (const server of [chat, memory]) hideSubscriptionRoutes(server);
  services.set("chat-service", injector(chat));
  services.set("agent-memory-service", injector(memory));
  services.set("tool-service", injector(tools));
  platform.pubsub.subscribe({
    topic: Topics.userChat,
    rules: [
      {
        match: { type: EventTypes.conversationUpdated },
        handler: (event) => deliver(memory, memoryService.EVENT_ROUTES.conversationUpdated, event),
      },
    ],
    defaultHandler: (event) => deliver(memory, memoryService.EVENT_ROUTES.unhandled, event),
    deadLetterTopic: Topics.userChatDeadLetter,
  });
  platform.pubsub.subscribe({
    topic: Topics.agentEvents,
    rules: [
      {
        match: { type: chatService.AGENT_PROGRESS_EVENT },
        handler: (event) => deliver(chat, chatService.AGENT_PROGRESS_ROUTE, event),
      },
    ],
  });

  const listen = async (server: FastifyInstance, port: number) => {
    await server.listen({ host, port });
    const address = server.server.address();
    return `http://${host}:${typeof address === "object" && address ? address.port : port}`;
  };
  const urls = {
    chat: await listen(chat, ports.chat),
    memory: await listen(memory, ports.memory),
    tools: await listen(tools, ports.tools),
  };

  return {
    urls,
    platform,
    servers: { chat, memory, tools },
    async stop() {
      await Promise.allSettled([chat.close(), memory.close(), tools.close()]);
      await chatParts.close();
      await platform.stop();
    },
  };
}

/**
 * Subscription routes take events only from the in-process broker (`inject`): over the network they do not
 * exist, so nobody can post a forged CloudEvent into memory or a session. Injected requests are no sockets.
 */
function hideSubscriptionRoutes(server: FastifyInstance): void {
  server.addHook("onRequest", async (request, reply) => {
    if (request.url.startsWith("/events/") && request.raw instanceof IncomingMessage) {
      await reply
        .code(404)
        .send({ error: { code: "not_found", message: `Route POST:${request.url} not found` } });
    }
  });
}

function injector(server: FastifyInstance): ServiceHandler {
  return async (request) => {
    const response = await server.inject({
      method: request.httpMethod,
      url: `/${request.method}`,
      headers: request.headers,
      ...(request.body !== undefined ? { payload: request.body as object } : {}),
    });
    return { status: response.statusCode, body: response.body === "" ? undefined : response.json() };
  };
}

/** Delivers like daprd: a 2xx with a status answers it, an empty 2xx is SUCCESS, 404 drops, else retry. */
async function deliver(server: FastifyInstance, path: string, event: CloudEvent): Promise<DeliveryStatus> {
  const response = await server.inject({
    method: "POST",
    url: path,
    headers: { "content-type": "application/cloudevents+json", ...traceHeaders(event) },
    payload: JSON.stringify(event),
  });
  if (response.statusCode === 404) return "DROP";
  if (response.statusCode < 200 || response.statusCode >= 300) return "RETRY";
  if (response.body === "") return "SUCCESS";
  const status = response.json<{ status?: string }>().status;
  return status === "DROP" || status === "RETRY" ? status : "SUCCESS";
}

/**
 * The delivery's trace context: the broker's CONSUMER span (active here, itself continuing the CloudEvent's
 * traceparent) when tracing is on, else the CloudEvent's own fields.
 */
function traceHeaders(event: CloudEvent): Record<string, string> {
  const active = activeTraceHeaders();
  if (active["traceparent"]) return active;
  return {
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    ...(event.tracestate ? { tracestate: event.tracestate } : {}),
  };
}
