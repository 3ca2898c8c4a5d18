import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePortPlan, listPorts, STACK_APPS, type PortPlan } from "../src/ports.ts";
import { parseStackArgs, startStack, type Stack } from "../src/stack.ts";
import { quietSink, type ExitInfo } from "../src/supervisor.ts";
import { tcpOpen } from "../src/health.ts";

/**
 * The real stack, as `npm run stack` starts it (Redis, placement, scheduler, three daprd, the three apps as
 * child processes), on free loopback ports, checked from outside through the sidecars' HTTP API.
 */
const SECRET = "s3cret-for-the-test";
let stack: Stack | undefined;
let plan: PortPlan;
const unexpectedExits: string[] = [];

const sidecar = (appId: string) => `http://127.0.0.1:${plan.apps[appId]?.httpPort}`;
const getJson = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
};

beforeAll(async () => {
  plan = await freePortPlan([...STACK_APPS]);
  stack = await startStack({
    options: { ...parseStackArgs([], {}), tracing: "off", secrets: { OPENAI_API_KEY: SECRET } },
    plan,
    env: { ...process.env, TROUPE_TEST_NOT_A_SECRET: "visible-to-apps-only" },
    log: quietSink,
    onUnexpectedExit: (name: string, info: ExitInfo, tail: string[]) =>
      unexpectedExits.push(`${name} exited (${info.code}/${info.signal}):\n${tail.slice(-10).join("\n")}`),
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("the local Dapr stack", () => {
  it.each(STACK_APPS)("%s is healthy through its own sidecar", async (appId) => {
    const res = await getJson(`${sidecar(appId)}/v1.0/invoke/${appId}/method/healthz`);
    expect(res).toEqual({ status: 200, body: { status: "ok" } });
  });

  it.each(STACK_APPS)(
    "%s is reachable from every other app's sidecar (name resolution without mDNS)",
    async (target) => {
      for (const caller of STACK_APPS.filter((a) => a !== target)) {
        // A unique request id (fastify logs it) shows which app actually served the call.
        const requestId = `probe-${caller}-to-${target}-${Date.now()}`;
        const res = await getJson(`${sidecar(caller)}/v1.0/invoke/${target}/method/healthz`, {
          headers: { "x-request-id": requestId },
        });
        expect({ caller, ...res }).toEqual({ caller, status: 200, body: { status: "ok" } });
        await vi.waitFor(() => expect(stack?.dapr.logs(target).join("\n")).toContain(requestId), {
          timeout: 5_000,
        });
        for (const other of STACK_APPS.filter((a) => a !== target)) {
          expect(stack?.dapr.logs(other).join("\n")).not.toContain(requestId);
        }
      }
    },
  );

  it("an unknown app-id fails instead of reaching some other sidecar", async () => {
    const res = await getJson(`${sidecar("chat-service")}/v1.0/invoke/no-such-app/method/healthz`);
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it.each(STACK_APPS)("%s's sidecar lists the components from components/", async (appId) => {
    const { status, body } = await getJson(`${sidecar(appId)}/v1.0/metadata`);
    expect(status).toBe(200);
    const meta = body as {
      id: string;
      components: { name: string; type: string }[];
      subscriptions?: { topic: string }[];
    };
    expect(meta.id).toBe(appId);
    expect(meta.components.map((c) => `${c.name}=${c.type}`).sort()).toEqual(
      expect.arrayContaining([
        "pubsub=pubsub.redis",
        "secretstore=secretstores.local.env",
        "statestore=state.redis",
      ]),
    );
    // The declarative user-chat subscription is scoped to agent-memory-service only.
    const topics = (meta.subscriptions ?? []).map((s) => s.topic);
    if (appId === "agent-memory-service") expect(topics).toContain("user-chat");
    else expect(topics).not.toContain("user-chat");
  });

  it("a state round trip through the sidecar lands in Redis as <app-id>||<key>", async () => {
    const key = `devstack-it-${Date.now()}`;
    const value = { hello: "redis", n: 42 };
    const save = await fetch(`${sidecar("chat-service")}/v1.0/state/statestore`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ key, value }]),
    });
    expect(save.status).toBe(204);
    expect(await getJson(`${sidecar("chat-service")}/v1.0/state/statestore/${key}`)).toEqual({
      status: 200,
      body: value,
    });

    const redis = new Redis({
      host: "127.0.0.1",
      port: plan.redisPort,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    try {
      await redis.connect();
      const data = await redis.hget(`chat-service||${key}`, "data");
      expect(JSON.parse(data ?? "null")).toEqual(value);
    } finally {
      redis.disconnect();
    }
    // State is namespaced per app: another app's sidecar does not see the key.
    const other = await fetch(`${sidecar("tool-service")}/v1.0/state/statestore/${key}`);
    expect(other.status).toBe(204);
  });

  it("the secret store serves the secrets the launcher passed to daprd, and nothing else of its env", async () => {
    expect(await getJson(`${sidecar("chat-service")}/v1.0/secrets/secretstore/OPENAI_API_KEY`)).toEqual({
      status: 200,
      body: { OPENAI_API_KEY: SECRET },
    });
    const bulk = await getJson(`${sidecar("chat-service")}/v1.0/secrets/secretstore/bulk`);
    expect(bulk.status).toBe(200);
    const names = Object.keys(bulk.body as object);
    expect(names).toContain("OPENAI_API_KEY");
    expect(names).not.toContain("TROUPE_TEST_NOT_A_SECRET");
  });

  it("no process died along the way", () => {
    expect(unexpectedExits).toEqual([]);
  });

  it("stop() stops every process, frees the ports and removes the temp dir", async () => {
    const s = stack;
    if (s === undefined) throw new Error("stack not started");
    const pids = s.dapr.supervisor.names().map((n) => s.dapr.supervisor.get(n)?.pid ?? -1);
    expect(pids).toHaveLength(3 + 3 + 3); // redis, placement, scheduler, 3 daprd, 3 apps
    await s.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(s.dapr.workDir)).toBe(false);
    for (const [label, port] of listPorts(plan)) {
      const open = await tcpOpen(port);
      expect({ label, open }).toEqual({ label, open: false });
    }
    expect(unexpectedExits).toEqual([]);
  });
});
