import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer } from "@troupe/service-kit";
import { app, type AppOptions } from "../src/app.ts";
import { parseAllowList } from "../src/net/address-policy.ts";

export function testConfig(over: Partial<AppOptions["config"]> = {}): AppOptions["config"] {
  return {
    webFetchAllow: parseAllowList(""),
    webFetchMaxBytes: 64 * 1024,
    webFetchTimeoutMs: 2_000,
    webFetchMaxRedirects: 3,
    idempotencyTtlMs: 60_000,
    idempotencyMaxEntries: 100,
    ...over,
  };
}

/** The app on a fastify instance with the shared error policy (driven with inject; no port). */
export async function buildApp(options: Partial<AppOptions> = {}) {
  const server = createServer({ name: "tool-service-test", logLevel: "silent" });
  await server.register(app, { config: testConfig(), ...options });
  await server.ready();
  return server;
}

/**
 * Records every address web_fetch is about to connect to, and REFUSES (throws before the socket is
 * opened) anything but 127.0.0.1, so a bug can never send test traffic elsewhere.
 */
export function connectSpy() {
  const connects: string[] = [];
  return {
    connects,
    onConnect: (address: string) => {
      connects.push(address);
      if (address !== "127.0.0.1") throw new Error(`test guard: refusing to connect to ${address}`);
    },
  };
}

/** A local HTTP server on 127.0.0.1 (free port) counting its connections. */
export async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  let connections = 0;
  const server = createHttpServer(handler);
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
