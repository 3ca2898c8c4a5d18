/**
 * Children hosted by a second service on real Dapr: service A hosts `AgentTask` and the run log, service B
 * hosts its own task type `AgentTaskB` with agents A does not have. Both actor hosts are fastify apps in
 * this process, each behind its own daprd; calls between them go through the sidecars and placement.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import type { Json } from "@troupe/actor-interfaces";
import {
  HttpSidecarClient,
  createDaprActorClient,
  daprActorHost,
  defaultRuntimeSettings,
  type ActorRegistration,
} from "@troupe/actor-runtime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDaprEnv, type DaprEnv } from "../../devstack/src/dapr-env.ts";
import {
  AgentCancelledError,
  AgentHost,
  AgentRunner,
  agentRegistrations,
  defineAgent,
} from "../src/index.ts";
import { allAgents, orchestrate, probe, scenarios } from "./agents.ts";

const A = "agents-a";
const B = "agents-b";

const remoteUpper = defineAgent<string, string>({
  name: "remoteUpper",
  async execute(text, ctx) {
    await ctx.progress({ host: "b" });
    return text.toUpperCase();
  },
});

const remoteBlocker = defineAgent<Json, never>({
  name: "remoteBlocker",
  async execute(_input, ctx) {
    probe.blockerEntered.open();
    return new Promise<never>((_, reject) =>
      ctx.signal.addEventListener("abort", () => {
        probe.effects.push("remoteBlocker:cancelled");
        reject(new AgentCancelledError("stopped"));
      }),
    );
  },
});

let env: DaprEnv | undefined;
let redis: Redis | undefined;
const apps: FastifyInstance[] = [];
let runner: AgentRunner;

async function host(appId: string, registrations: ActorRegistration<unknown>[]): Promise<void> {
  const ports = env?.sidecars[appId];
  if (!ports) throw new Error(`no sidecar for ${appId}`);
  const app = Fastify({ logger: { level: "error" } });
  await app.register(
    daprActorHost({
      registrations,
      settings: defaultRuntimeSettings,
      sidecar: { daprHttpPort: ports.httpPort },
      healthPath: "/healthz",
    }),
  );
  await app.listen({ host: "127.0.0.1", port: ports.appPort });
  apps.push(app);
}

/** Waits until placement disseminated `type` as hosted by `appId`'s app. */
async function waitHosted(appId: string, type: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${env?.sidecars[appId]?.httpPort}/v1.0/metadata`).catch(
      () => null,
    );
    const meta = (await res?.json().catch(() => null)) as {
      actorRuntime?: { placement?: string; activeActors?: { type: string }[] };
    } | null;
    const rt = meta?.actorRuntime;
    if (rt?.placement === "placement: connected" && rt.activeActors?.some((a) => a.type === type)) return;
    if (Date.now() > deadline) throw new Error(`${type} not hosted by ${appId}: ${JSON.stringify(rt)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function taskKeys(): Promise<string[]> {
  if (!redis) throw new Error("not started");
  return [...(await redis.keys(`${A}||AgentTask||*`)), ...(await redis.keys(`${B}||AgentTaskB||*`))];
}

beforeAll(async () => {
  env = await startDaprEnv({ apps: [{ appId: A }, { appId: B }], waitFor: "outbound", env: process.env });
  const hostA = new AgentHost(allAgents, {
    remoteAgents: { remoteUpper: "AgentTaskB", remoteBlocker: "AgentTaskB" },
  });
  const hostB = new AgentHost([remoteUpper, remoteBlocker], { taskType: "AgentTaskB" });
  await host(A, agentRegistrations(hostA));
  await host(B, agentRegistrations(hostB, { runLog: false }));
  await env.waitHealthy();
  await Promise.all([waitHosted(A, "AgentTask"), waitHosted(A, "AgentRun"), waitHosted(B, "AgentTaskB")]);
  const sidecarA = env.sidecars[A];
  if (!sidecarA) throw new Error("no sidecar for A");
  runner = new AgentRunner(
    createDaprActorClient(new HttpSidecarClient({ daprHttpPort: sidecarA.httpPort })),
    {
      host: hostA,
    },
  );
  redis = new Redis(env.redisPort, "127.0.0.1", { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  try {
    await redis?.quit();
    for (const app of apps) await app.close();
  } finally {
    await env?.stop();
  }
});

beforeEach(() => probe.reset());

describe("agents on two services (Dapr)", () => {
  it("runs a child on the other service, linked to its parent, and cleans it up", async () => {
    scenarios.set("remote-ask", (ctx) => ctx.ask(remoteUpper, "hello"));
    const handle = runner.run(orchestrate, { scenario: "remote-ask" });
    expect(await handle.result).toBe("HELLO");
    const events = [];
    for await (const event of handle.events) events.push(event);
    expect(events.map((e) => `${e.path.join("/")}:${e.type}`)).toEqual([
      "orchestrate:task_started",
      "orchestrate/remoteUpper:task_started",
      "orchestrate/remoteUpper:task_progress",
      "orchestrate/remoteUpper:task_completed",
      "orchestrate:task_completed",
    ]);
    expect(events[1]?.parentTaskId).toBe(events[0]?.taskId);
    expect(await taskKeys()).toEqual([]);
  });

  it("aborting the run cancels the child on the other service", async () => {
    scenarios.set("remote-block", (ctx) => ctx.ask(remoteBlocker, null));
    const handle = runner.run(orchestrate, { scenario: "remote-block" });
    await probe.blockerEntered.promise;
    expect(await runner.abort(handle.runId)).toBe(true);
    await expect(handle.result).rejects.toBeInstanceOf(AgentCancelledError);
    expect(probe.effects).toEqual(["remoteBlocker:cancelled"]);
    expect(await taskKeys()).toEqual([]);
  });
});
