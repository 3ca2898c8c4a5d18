/**
 * Runs the contract suite (and benchmarks) on Dapr: the actor host is our fastify plugin in this process on
 * a free loopback port; daprd, placement, scheduler and Redis are real processes started by devstack.
 * "Restarting the host" closes the fastify app (deactivating its actors) and listens again on the same port
 * while daprd and the control plane keep running — what a redeploy of the app container looks like.
 *
 * devstack is imported by path: it depends on @troupe/actor-runtime, so declaring it here would be a cycle.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { ActorClient } from "@troupe/actor-interfaces";
import { startDaprEnv, type DaprEnv } from "../../devstack/src/dapr-env.ts";
import type { ActorRuntimeSettings } from "../src/api.ts";
import { createDaprActorClient } from "../src/dapr/actor-client.ts";
import { daprActorHost } from "../src/dapr/host.ts";
import { HttpSidecarClient } from "../src/dapr/http-sidecar.ts";
import type { AnyRegistration } from "./contract/actors.ts";
import type { ContractHarness } from "./contract/harness.ts";

const APP_ID = "actor-host";

interface ActorRuntimeMetadata {
  actorRuntime?: {
    runtimeStatus?: string;
    hostReady?: boolean;
    placement?: string;
    activeActors?: { type: string }[];
  };
}

export interface DaprHarnessOptions {
  appId?: string;
  /** Fastify log level of the host app. Default "error". */
  logLevel?: string;
  /** Adds routes to the host app (e.g. for service invocation tests); runs on every (re)start. */
  configure?: (app: FastifyInstance) => void;
  /** Env vars readable through the `secretstore` component (local.env). */
  secrets?: Record<string, string>;
  /**
   * Let daprd probe the app's /healthz (default true). Under a burst of ~1,000 concurrent actor calls on this
   * shared 2-core machine the probe times out, daprd pulls the actor types from placement and calls stall
   * until the dissemination times out — so the benchmark turns probing off.
   */
  appHealthCheck?: boolean;
  /** Every line of every Dapr process (default: kept in memory, see `env().logs()`). */
  log?: (line: string) => void;
}

export function createDaprHarness(options: DaprHarnessOptions = {}): ContractHarness & {
  env(): DaprEnv;
  httpPort(): number;
} {
  const appId = options.appId ?? APP_ID;
  let env: DaprEnv | undefined;
  let app: FastifyInstance | undefined;
  let client: ActorClient | undefined;
  let config: { registrations: readonly AnyRegistration[]; settings: ActorRuntimeSettings } | undefined;

  const ports = () => {
    const p = env?.sidecars[appId];
    if (!p) throw new Error("dapr env not started");
    return p;
  };

  const boot = async () => {
    if (!config) throw new Error("harness not started");
    const server = Fastify({ logger: { level: options.logLevel ?? "error" } });
    const plugin = daprActorHost({
      registrations: config.registrations,
      settings: config.settings,
      sidecar: { daprHttpPort: ports().httpPort },
      healthPath: "/healthz",
    });
    await server.register(plugin);
    options.configure?.(server);
    await server.listen({ host: "127.0.0.1", port: ports().appPort });
    app = server;
  };

  /** Waits until daprd has read /dapr/config and placement disseminated our actor types. */
  const waitActorsReady = async () => {
    const types = new Set(config?.registrations.map((r) => r.type.name));
    const deadline = Date.now() + 60_000;
    let last: string;
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${ports().httpPort}/v1.0/metadata`, {
          signal: AbortSignal.timeout(5_000),
        });
        const meta = (await res.json()) as ActorRuntimeMetadata;
        last = JSON.stringify(meta.actorRuntime);
        const rt = meta.actorRuntime;
        const hosted = new Set(rt?.activeActors?.map((a) => a.type));
        if (
          rt?.hostReady &&
          rt.placement === "placement: connected" &&
          [...types].every((t) => hosted.has(t))
        )
          return;
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`actor runtime not ready: ${last}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  return {
    async start(registrations, settings) {
      config = { registrations, settings };
      env = await startDaprEnv({
        apps: [{ appId, ...(options.appHealthCheck === false ? { appHealthCheckPath: null } : {}) }],
        waitFor: "outbound",
        daprLogLevel: "info",
        env: process.env,
        ...(options.secrets ? { secrets: options.secrets } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      await boot();
      await env.waitHealthy(appId);
      await waitActorsReady();
      client = createDaprActorClient(new HttpSidecarClient({ daprHttpPort: ports().httpPort }), {
        callTimeoutMs: settings.callTimeoutMs,
      });
    },
    client() {
      if (!client) throw new Error("harness not started");
      return client;
    },
    env() {
      if (!env) throw new Error("harness not started");
      return env;
    },
    httpPort() {
      return ports().httpPort;
    },
    async restartHost() {
      await app?.close();
      app = undefined;
      await boot();
      await env?.waitHealthy(appId);
      await waitActorsReady();
    },
    async stop() {
      try {
        await app?.close();
      } finally {
        await env?.stop();
      }
    },
  };
}
