import { PUBSUB_NAME } from "@troupe/actor-interfaces";
import { createDaprPlatform, daprActorHost } from "@troupe/actor-runtime";
import { createServer, serve } from "@troupe/service-kit";
import { chatServiceActors } from "./actors/index.ts";
import { app } from "./app.ts";
import { loadConfig } from "./config.ts";
import { deterministicEngine } from "./reply/deterministic.ts";

/** Process shell in Dapr mode: actors hosted for daprd, platform calls through the sidecar. */
const config = loadConfig(process.env);
const sidecar = { daprHost: config.daprHost, daprHttpPort: config.daprHttpPort };
const platform = createDaprPlatform({
  ...sidecar,
  pubsubName: PUBSUB_NAME,
  secretStoreName: "secretstore",
  source: config.appId,
});
const server = createServer({ name: config.appId, logLevel: config.logLevel });
await server.register(
  daprActorHost({
    registrations: chatServiceActors({ events: platform.events, engine: deterministicEngine() }),
    sidecar,
  }),
);
await server.register(app, { platform });
await serve(server, { name: config.appId, host: config.host, port: config.port });
