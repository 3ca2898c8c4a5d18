import { createDaprPlatform, daprActorHost } from "@troupe/actor-runtime";
import { createServer, serve } from "@troupe/service-kit";
import { memoryServiceActors } from "./actors/index.ts";
import { app } from "./app.ts";
import { loadConfig } from "./config.ts";
import { deterministicSummarizer } from "./summary/summarizer.ts";

/** Process shell in Dapr mode: actors hosted for daprd, platform calls through the sidecar. */
const config = loadConfig(process.env);
const sidecar = { daprHost: config.daprHost, daprHttpPort: config.daprHttpPort };
const platform = createDaprPlatform({ ...sidecar, source: config.appId });
const actors = memoryServiceActors({
  windowSize: config.memoryWindow,
  summaryPeriod: config.summaryPeriod,
  summarizer: deterministicSummarizer,
});
const server = createServer({ name: config.appId, logLevel: config.logLevel });
await server.register(daprActorHost({ registrations: actors, sidecar }));
await server.register(app, { platform });
await serve(server, { name: config.appId, host: config.host, port: config.port });
