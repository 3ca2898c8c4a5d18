import { createServer } from "@troupe/service-kit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaprEnv, type DaprEnv } from "../src/dapr-env.ts";
import { freePort } from "../src/ports.ts";

/**
 * startDaprEnv with an in-process app (how other packages' integration tests use it), including the
 * "host restart": the app goes away and comes back on the same port while daprd, Redis, placement and
 * scheduler keep running, and a sidecar restart that keeps the state in Redis.
 */
const APP_ID = "restart-host";
let env: DaprEnv | undefined;
let app: FastifyInstance | undefined;
let appPort: number;
let served = 0;

async function startApp(): Promise<void> {
  const server = createServer({ name: APP_ID, logLevel: "silent" });
  server.get("/healthz", () => Promise.resolve({ status: "ok" }));
  server.get("/hello", () => Promise.resolve({ hello: "world", served: ++served }));
  await server.listen({ host: "127.0.0.1", port: appPort });
  app = server;
}

const sidecarUrl = () => `http://127.0.0.1:${env?.sidecars[APP_ID]?.httpPort}`;
const invokeHello = () =>
  fetch(`${sidecarUrl()}/v1.0/invoke/${APP_ID}/method/hello`, { signal: AbortSignal.timeout(10_000) });

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  appPort = await freePort();
  await startApp();
  env = await startDaprEnv({ apps: [{ appId: APP_ID, appPort }], env: process.env });
});

afterAll(async () => {
  try {
    await app?.close();
  } finally {
    await env?.stop();
  }
});

describe("startDaprEnv", () => {
  it("reports the ports it planned and serves invocations to the in-process app", async () => {
    expect(env?.sidecars[APP_ID]?.appPort).toBe(appPort);
    const res = await invokeHello();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ hello: "world" });
  });

  it("survives an app restart on the same port (daprd, Redis, placement, scheduler keep running)", async () => {
    await app?.close();
    app = undefined;
    const down = await invokeHello();
    expect(down.status).toBeGreaterThanOrEqual(500);
    await startApp();
    await eventually(async () => (await invokeHello()).status === 200);
    expect(env?.supervisor.names().sort()).toEqual(["daprd:restart-host", "placement", "redis", "scheduler"]);
  });

  it("restarts a sidecar on the same ports; state saved before is still there", async () => {
    const save = await fetch(`${sidecarUrl()}/v1.0/state/statestore`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ key: "k", value: { v: 1 } }]),
    });
    expect(save.status).toBe(204);
    await env?.stopSidecar(APP_ID);
    await expect(fetch(`${sidecarUrl()}/v1.0/healthz`)).rejects.toThrow();
    await env?.startSidecar(APP_ID);
    const read = await fetch(`${sidecarUrl()}/v1.0/state/statestore/k`);
    expect(await read.json()).toEqual({ v: 1 });
    expect((await invokeHello()).status).toBe(200);
  });
});
