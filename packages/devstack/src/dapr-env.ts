import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { daprdArgs, daprProcessEnv, placementArgs, schedulerArgs, type DaprLogLevel } from "./dapr-args.ts";
import { resolveDaprBinaries, type DaprBinaries } from "./dapr-binaries.ts";
import { waitForHttp } from "./health.ts";
import { CONFIG_FILE, COMPONENTS_DIR } from "./paths.ts";
import { freePortPlan, validateAppId, type PortPlan, type SidecarPorts } from "./ports.ts";
import { startRedis } from "./redis.ts";
import { renderConfigFile, renderResourcesDir } from "./resources.ts";
import { quietSink, Supervisor, type ExitInfo, type LogSink } from "./supervisor.ts";

export interface DaprAppSpec {
  appId: string;
  /**
   * Port the app listens on (127.0.0.1). Omitted: a free port is reserved and reported in
   * `sidecars[appId].appPort`, for an app started after its sidecar (or restarted on the same port).
   */
  appPort?: number;
  /** A sidecar without an app (a pure client, e.g. for a test that only calls actors). */
  noApp?: boolean;
  /**
   * Path daprd probes every second; while it fails, daprd reports the app unhealthy and removes its actor
   * types from placement (what a host restart looks like to the cluster). null turns probing off.
   * Default "/healthz".
   */
  appHealthCheckPath?: string | null;
}

export interface DaprEnvOptions {
  apps: DaprAppSpec[];
  /** A ready plan (the stack passes the fixed one); default: free loopback ports. */
  plan?: PortPlan;
  /** Resources to render (Redis address substituted); default components/. */
  resourcesDir?: string;
  /** Configuration to render (name resolution, tracing); default components/config/config.yaml. */
  config?: string;
  /** Zipkin span endpoint; default null = sampling off (tests without a collector). */
  zipkinEndpoint?: string | null;
  /** Env vars given to every daprd, readable through the `secretstore` component (local.env). */
  secrets?: Record<string, string>;
  binaries?: DaprBinaries;
  /** Prefixed log lines of every process; default: kept in memory only (see `logs()`). */
  log?: LogSink;
  daprLogLevel?: DaprLogLevel;
  /**
   * What startDaprEnv waits for per sidecar: "healthy" = `/v1.0/healthz` 204 (needs the app listening),
   * "outbound" = `/v1.0/healthz/outbound` (sidecar can serve API calls; the app may start afterwards, then
   * call `waitHealthy()`). Default "healthy".
   */
  waitFor?: "healthy" | "outbound";
  gracefulShutdownSeconds?: number;
  /** A Dapr process or a child started through `supervisor` exited without being stopped (default: print its last lines to stderr). */
  onUnexpectedExit?: (name: string, info: ExitInfo, tail: string[]) => void;
  /**
   * The caller's environment: where the Dapr runtime and redis-server are found (PATH, HOME, TROUPE_CACHE),
   * and what the Dapr processes inherit (PATH, HOME, LANG, TZ).
   */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
}

export interface DaprEnv {
  plan: PortPlan;
  sidecars: Record<string, SidecarPorts>;
  redisPort: number;
  /** "127.0.0.1:<port>" as written into the rendered components. */
  redisAddress: string;
  placementPort: number;
  schedulerPort: number;
  /** Rendered resources dir and Configuration file (inside `workDir`). */
  resourcesDir: string;
  configFile: string;
  /** Private temp dir of this run (scheduler etcd data, Redis dir, rendered files); removed by stop(). */
  workDir: string;
  /** The supervisor of every process; start extra processes on it to have them stopped with the rest. */
  supervisor: Supervisor;
  /** Waits until daprd of `appId` (default: all) reports healthy (`/v1.0/healthz` 204). */
  waitHealthy(appId?: string): Promise<void>;
  /** Stops one sidecar, keeping Redis, placement, scheduler and the other sidecars running. */
  stopSidecar(appId: string): Promise<void>;
  /** Starts a stopped sidecar again on the same ports (waits like startDaprEnv). */
  startSidecar(appId: string, opts?: { waitFor?: "healthy" | "outbound" }): Promise<void>;
  /** Last log lines of a process: "redis", "placement", "scheduler", "daprd:<app-id>". */
  logs(name: string): string[];
  /** Stops everything (extra processes first, then sidecars, then control plane and Redis). Idempotent. */
  stop(): Promise<void>;
}

const INFRA = ["redis", "placement", "scheduler"];
export const daprdName = (appId: string) => `daprd:${appId}`;

/**
 * Starts Redis, placement, scheduler and one daprd per app on loopback, with the components/ resources
 * rendered for this run. Apps are the caller's: start them before (pass `appPort`) or after (use
 * `waitFor: "outbound"` then `waitHealthy()`). Always call `stop()` (afterAll / finally); on a start-up
 * failure everything already started is stopped before the error is thrown.
 */
export async function startDaprEnv(opts: DaprEnvOptions): Promise<DaprEnv> {
  // A free port can be taken between our probe and the child's bind (by another test, or as the local port
  // of some outgoing connection). With a plan of our own making, retry on a fresh plan.
  const attempts = opts.plan === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= attempts || !isAddressInUse(e)) throw e;
    }
  }
}

/** Whether a start-up error comes from a port taken by someone else (Go, Redis and Node wordings). */
export function isAddressInUse(e: unknown): boolean {
  return e instanceof Error && /address already in use|EADDRINUSE/i.test(e.message);
}

async function startOnce(opts: DaprEnvOptions): Promise<DaprEnv> {
  const baseEnv = opts.env;
  for (const a of opts.apps) validateAppId(a.appId);
  const specs = new Map(opts.apps.map((a) => [a.appId, a]));
  if (specs.size !== opts.apps.length) throw new Error("duplicate appId");
  const givenPorts = Object.fromEntries(
    opts.apps.filter((a) => a.appPort !== undefined).map((a) => [a.appId, a.appPort as number]),
  );
  const plan =
    opts.plan ??
    (await freePortPlan(
      opts.apps.map((a) => a.appId),
      givenPorts,
    ));
  for (const a of opts.apps) {
    const planned = plan.apps[a.appId];
    if (planned === undefined) throw new Error(`port plan has no entry for ${a.appId}`);
    if (a.appPort !== undefined && planned.appPort !== a.appPort) {
      throw new Error(`${a.appId}: appPort ${a.appPort} differs from the plan's ${planned.appPort}`);
    }
  }
  const binaries = opts.binaries ?? (await resolveDaprBinaries({ env: baseEnv }));
  const logLevel = opts.daprLogLevel ?? "info";
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const grace = opts.gracefulShutdownSeconds ?? 2;
  const defaultWait = opts.waitFor ?? "healthy";

  const workDir = await mkdtemp(join(tmpdir(), "troupe-dapr-"));
  const resourcesDir = join(workDir, "resources");
  const configFile = join(workDir, "config.yaml");
  const redisAddress = `127.0.0.1:${plan.redisPort}`;
  const supervisor = new Supervisor({
    sink: opts.log ?? quietSink,
    onUnexpectedExit:
      opts.onUnexpectedExit ??
      ((name, info, tail) =>
        process.stderr.write(
          `[devstack] ${name} exited unexpectedly (code ${info.code}, signal ${info.signal}); last lines:\n` +
            `${tail.slice(-15).join("\n")}\n`,
        )),
  });
  const daprEnv = daprProcessEnv(baseEnv, workDir);

  const startSidecar = async (appId: string, o: { waitFor?: "healthy" | "outbound" } = {}) => {
    const spec = specs.get(appId);
    const ports = plan.apps[appId];
    if (spec === undefined || ports === undefined) throw new Error(`unknown app-id ${appId}`);
    const proc = supervisor.start(
      daprdName(appId),
      binaries.daprd,
      daprdArgs({
        appId,
        ports,
        plan,
        resourcesDir,
        configFile,
        logLevel,
        hasApp: spec.noApp !== true,
        appHealthCheckPath: spec.appHealthCheckPath === undefined ? "/healthz" : spec.appHealthCheckPath,
        gracefulShutdownSeconds: grace,
      }),
      { env: daprProcessEnv(baseEnv, workDir, opts.secrets), cwd: workDir },
    );
    const path = (o.waitFor ?? defaultWait) === "healthy" ? "/v1.0/healthz" : "/v1.0/healthz/outbound";
    await waitForHttp(`http://127.0.0.1:${ports.httpPort}${path}`, { process: proc, timeoutMs });
  };

  const waitHealthy = async (appId?: string) => {
    const ids = appId === undefined ? [...specs.keys()] : [appId];
    await Promise.all(
      ids.map((id) =>
        waitForHttp(`http://127.0.0.1:${plan.apps[id]?.httpPort}/v1.0/healthz`, {
          process: supervisor.get(daprdName(id)),
          timeoutMs,
        }),
      ),
    );
  };

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      const sidecars = [...specs.keys()].map(daprdName);
      const extras = supervisor.names().filter((n) => !sidecars.includes(n) && !INFRA.includes(n));
      await Promise.all(extras.map((n) => supervisor.stop(n, 10_000)));
      await Promise.all(sidecars.map((n) => supervisor.stop(n, (grace + 5) * 1000)));
      await supervisor.stopAll(10_000);
      await rm(workDir, { recursive: true, force: true });
    })());

  try {
    await renderResourcesDir(opts.resourcesDir ?? COMPONENTS_DIR, resourcesDir, redisAddress);
    await renderConfigFile(opts.config ?? CONFIG_FILE, configFile, {
      internalPorts: Object.fromEntries(Object.entries(plan.apps).map(([id, p]) => [id, p.internalGrpcPort])),
      zipkinEndpoint: opts.zipkinEndpoint ?? null,
    });
    const redisDir = join(workDir, "redis");
    const etcdDir = join(workDir, "scheduler-etcd");
    await Promise.all([mkdir(redisDir), mkdir(etcdDir)]);

    const placement = supervisor.start("placement", binaries.placement, placementArgs(plan, logLevel), {
      env: daprEnv,
      cwd: workDir,
    });
    const scheduler = supervisor.start(
      "scheduler",
      binaries.scheduler,
      schedulerArgs(plan, etcdDir, logLevel),
      {
        env: daprEnv,
        cwd: workDir,
      },
    );
    await Promise.all([
      startRedis(supervisor, { port: plan.redisPort, dir: redisDir, env: { PATH: baseEnv["PATH"] } }),
      waitForHttp(`http://127.0.0.1:${plan.placement.healthzPort}/healthz`, {
        process: placement,
        timeoutMs,
      }),
      waitForHttp(`http://127.0.0.1:${plan.scheduler.healthzPort}/healthz`, {
        process: scheduler,
        timeoutMs,
      }),
    ]);
    await Promise.all([...specs.keys()].map((id) => startSidecar(id)));
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    plan,
    sidecars: Object.fromEntries([...specs.keys()].map((id) => [id, plan.apps[id] as SidecarPorts])),
    redisPort: plan.redisPort,
    redisAddress,
    placementPort: plan.placement.port,
    schedulerPort: plan.scheduler.port,
    resourcesDir,
    configFile,
    workDir,
    supervisor,
    waitHealthy,
    stopSidecar: (appId) => supervisor.stop(daprdName(appId), (grace + 5) * 1000),
    startSidecar,
    logs: (name) => supervisor.get(name)?.tail() ?? [],
    stop,
  };
}
