import { createServer, serve } from "@troupe/service-kit";
import { app } from "./app.ts";
import { loadConfig } from "./config.ts";

const config = loadConfig(process.env);
const server = createServer({ name: config.appId, logLevel: config.logLevel });
await server.register(app, { config });
await serve(server, { name: config.appId, host: config.host, port: config.port });
