import { createDaprPlatform, daprActorHost } from "@troupe/actor-runtime";
import { createServer, serve } from "@troupe/service-kit";
import { app } from "./app.ts";
import { composeMemoryService } from "./compose.ts";
import { loadConfig } from "./config.ts";

/** Process shell in Dapr mode: actors hosted for daprd, platform calls through the sidecar. */
const config = loadConfig(process.env);
const sidecar = { daprHost: config.daprHost, daprHttpPort: config.daprHttpPort };
const platform = createDaprPlatform({ ...sidecar, source: config.appId });
const { registrations } = composeMemoryService(config);
const server = createServer({ name: config.appId, logLevel: config.logLevel });
await server.register(daprActorHost({ registrations, sidecar }));
await server.register(app, { platform });
await serve(server, { name: config.appId, host: config.host, port: config.port });
