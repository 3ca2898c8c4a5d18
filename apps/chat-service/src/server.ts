import { BROADCAST_PUBSUB_NAME } from "@troupe/actor-interfaces";
import {
  HttpSidecarClient,
  createDaprPlatform,
  createEventPublisher,
  daprActorHost,
} from "@troupe/actor-runtime";
import { createServer, serve } from "@troupe/service-kit";
import { app } from "./app.ts";
import { composeChatService } from "./compose.ts";
import { loadConfig } from "./config.ts";

/** Process shell in Dapr mode: actors hosted for daprd, platform calls through the sidecar. */
const config = loadConfig(process.env);
const sidecar = { daprHost: config.daprHost, daprHttpPort: config.daprHttpPort };
const platform = createDaprPlatform({ ...sidecar, source: config.appId });
const server = createServer({ name: config.appId, logLevel: config.logLevel });
const broadcast = createEventPublisher(new HttpSidecarClient(sidecar), BROADCAST_PUBSUB_NAME, config.appId);
const parts = await composeChatService(config, platform, server.log, broadcast);
server.log.info({ engine: parts.engine }, "reply engine selected");
server.addHook("onClose", () => parts.close());
await server.register(daprActorHost({ registrations: parts.registrations, sidecar }));
await server.register(app, { platform, streams: parts.streams });
await serve(server, { name: config.appId, host: config.host, port: config.port });
