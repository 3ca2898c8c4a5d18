import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DaprLogLevel } from "./dapr-args.ts";
import { startDaprEnv, type DaprEnv } from "./dapr-env.ts";
import type { DaprBinaries } from "./dapr-binaries.ts";
import { tcpOpen, waitForActorTypes, waitForHttp } from "./health.ts";
import { REPO_ROOT } from "./paths.ts";
import { FIXED_PORTS, listPorts, STACK_APPS, type PortPlan } from "./ports.ts";
import { which } from "./redis.ts";
import type { ExitInfo, LogSink } from "./supervisor.ts";

/** Options of `npm run stack`, parsed once from argv and env (see `parseStackArgs`). */
export interface StackOptions {
  daprLogLevel: DaprLogLevel;
  /** false: only the Dapr side (for running the apps yourself, e.g. under a debugger). */
  withApps: boolean;
  /** "auto": on when a collector listens on 127.0.0.1:9411 (or a jaeger binary was started). */
  tracing: "auto" | "on" | "off";
  /** Env vars passed to daprd for the local.env secret store. */
  secrets: Record<string, string>;
  help: boolean;
}

/** Secrets the stack hands to daprd when they are set in the launcher's environment. */
export const STACK_SECRET_NAMES = ["OPENAI_API_KEY"] as const;

export const STACK_USAGE = `Usage: npm run stack -- [options]
Starts Redis, Dapr placement + scheduler, one daprd per app and the three apps on 127.0.0.1 (fixed ports,
see README). Ctrl-C stops everything; so does any process exiting.

Options:
  --dapr-log-level=<debug|info|warn|error>   daprd/placement/scheduler log level (default info)
  --no-apps                                  start only Redis, placement, scheduler and the sidecars
  --tracing=<auto|on|off>                    daprd and the apps export spans (default auto: only when a
                                             collector listens on 127.0.0.1:9411 or jaeger was started;
                                             see docs/observability.md)
  -h, --help                                 this text
Environment:
  TROUPE_CACHE     where the Dapr runtime is cached/built (default <repo>/.cache)
  OPENAI_API_KEY   passed to daprd, readable from the 'secretstore' component
  OTEL_*           passed to the apps; they win over the launcher's tracing defaults`;

export function parseStackArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): StackOptions {
  const opts: StackOptions = {
    daprLogLevel: "info",
    withApps: true,
    tracing: "auto",
    secrets: {},
    help: false,
  };
  for (const arg of argv) {
    const [flag, value] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    if (flag === "-h" || flag === "--help") opts.help = true;
    else if (flag === "--no-apps" && value === undefined) opts.withApps = false;
    else if (
      flag === "--dapr-log-level" &&
      (value === "debug" || value === "info" || value === "warn" || value === "error")
    )
      opts.daprLogLevel = value;
    else if (flag === "--tracing" && (value === "auto" || value === "on" || value === "off"))
      opts.tracing = value;
    else throw new Error(`unknown or malformed option "${arg}"\n\n${STACK_USAGE}`);
  }
  for (const name of STACK_SECRET_NAMES) {
    const v = env[name];
    if (v !== undefined && v !== "") opts.secrets[name] = v;
  }
  return opts;
}

/**
 * OTEL_* defaults for the apps when the stack traces (the caller's own OTEL_* variables win): OTLP to
 * Jaeger's 4318 when the stack started Jaeger, else Zipkin JSON to the collector on 9411 that daprd uses.
 */
export function appTelemetryEnv(tracing: "jaeger" | "zipkin" | "off"): Record<string, string> {
  if (tracing === "jaeger") return { OTEL_EXPORTER_OTLP_ENDPOINT: JAEGER_OTLP_ENDPOINT };
  if (tracing === "zipkin")
    return { OTEL_TRACES_EXPORTER: "zipkin", OTEL_EXPORTER_ZIPKIN_ENDPOINT: ZIPKIN_ENDPOINT };
  return {};
}

/** Node arguments of one app process: tsx, the app's OpenTelemetry bootstrap (loaded first), the server. */
export function appNodeArgs(appId: string): string[] {
  const src = join(REPO_ROOT, "apps", appId, "src");
  return [
    "--conditions=troupe-source",
    "--import",
    "tsx",
    "--import",
    pathToFileURL(join(src, "instrumentation.ts")).href,
    join(src, "server.ts"),
  ];
}

/** Env of one app process in Dapr mode (`telemetry`: OTEL_* defaults, overridden by `base`). */
export function appEnv(
  base: Readonly<Record<string, string | undefined>>,
  appId: string,
  plan: PortPlan,
  telemetry: Record<string, string> = {},
): Record<string, string | undefined> {
  const p = plan.apps[appId];
  if (p === undefined) throw new Error(`no ports for ${appId}`);
  return {
    ...telemetry,
    ...base,
    PORT: String(p.appPort),
    HOST: "127.0.0.1",
    APP_ID: appId,
    DAPR_HOST: "127.0.0.1",
    DAPR_HTTP_PORT: String(p.httpPort),
  };
}

/** A `jaeger` binary (Jaeger v2 all-in-one) on PATH or in <repo>/.tools/bin. */
export function findJaeger(pathEnv: string | undefined, root: string = REPO_ROOT): string | undefined {
  const local = join(root, ".tools", "bin", "jaeger");
  try {
    accessSync(local, constants.X_OK);
    return local;
  } catch {
    return which("jaeger", pathEnv);
  }
}

export const ZIPKIN_ENDPOINT = "http://127.0.0.1:9411/api/v2/spans";
export const JAEGER_OTLP_ENDPOINT = "http://127.0.0.1:4318";

export interface Stack {
  dapr: DaprEnv;
  plan: PortPlan;
  /** Stops one app and starts it again (same command and env); its sidecar, Redis and the rest keep running. */
  restartApp(appId: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the whole local stack: Redis, placement, scheduler, a daprd per app, then the apps
 * (`node --import tsx apps/<id>/src/server.ts` with Dapr-mode env), and waits until every app answers
 * /healthz and every sidecar reports healthy. `plan` defaults to the fixed ports; tests pass a free plan.
 */
export async function startStack(o: {
  options: StackOptions;
  plan?: PortPlan;
  log: LogSink;
  onUnexpectedExit: (name: string, info: ExitInfo, tail: string[]) => void;
  /** The launcher's environment: PATH lookups, secrets, and the base of every app's environment. */
  env: Readonly<Record<string, string | undefined>>;
  binaries?: DaprBinaries;
}): Promise<Stack> {
  const env = o.env;
  const plan = o.plan ?? FIXED_PORTS;
  const say = (msg: string) => o.log(`[stack] ${msg}`);

  if (o.plan === undefined) await assertPortsFree(plan);
  const jaeger = o.options.tracing === "off" || o.plan !== undefined ? undefined : findJaeger(env["PATH"]);
  let tracing = o.options.tracing === "on" || jaeger !== undefined;
  if (!tracing && o.options.tracing === "auto") tracing = await tcpOpen(9411);

  const dapr = await startDaprEnv({
    apps: STACK_APPS.map((appId) => ({ appId, noApp: !o.options.withApps })),
    plan,
    log: o.log,
    daprLogLevel: o.options.daprLogLevel,
    zipkinEndpoint: tracing ? ZIPKIN_ENDPOINT : null,
    secrets: o.options.secrets,
    waitFor: "outbound",
    gracefulShutdownSeconds: 5,
    onUnexpectedExit: o.onUnexpectedExit,
    env,
    ...(o.binaries ? { binaries: o.binaries } : {}),
  });
  const telemetry = appTelemetryEnv(jaeger !== undefined ? "jaeger" : tracing ? "zipkin" : "off");
  const startApp = async (appId: string) => {
    const proc = dapr.supervisor.start(appId, process.execPath, appNodeArgs(appId), {
      env: appEnv(env, appId, plan, telemetry),
      cwd: REPO_ROOT,
    });
    await waitForHttp(`http://127.0.0.1:${plan.apps[appId]?.appPort}/healthz`, {
      process: proc,
      timeoutMs: 60_000,
    });
  };
  try {
    if (jaeger !== undefined) {
      const proc = dapr.supervisor.start("jaeger", jaeger, [], {
        env: { ...env, JAEGER_LISTEN_HOST: "127.0.0.1" },
        cwd: dapr.workDir,
      });
      await waitForHttp("http://127.0.0.1:16686/", {
        process: proc,
        timeoutMs: 30_000,
        accept: (s) => s < 500,
      });
      say(
        "Jaeger UI: http://127.0.0.1:16686 (daprd spans via Zipkin on 127.0.0.1:9411, app spans via OTLP on 4318)",
      );
    } else if (o.plan === undefined) {
      say(
        tracing
          ? `exporting spans to ${ZIPKIN_ENDPOINT}`
          : "tracing off: no collector on 127.0.0.1:9411 and no `jaeger` binary on PATH or in .tools/bin " +
              "(put Jaeger v2's `jaeger` there, or run any Zipkin-compatible collector on 9411, then restart)",
      );
    }
    if (o.options.withApps) {
      await Promise.all(STACK_APPS.map(startApp));
      await dapr.waitHealthy();
    }
  } catch (e) {
    await dapr.stop();
    throw e;
  }
  return {
    dapr,
    plan,
    async restartApp(appId) {
      await dapr.supervisor.stop(appId);
      await startApp(appId);
      await dapr.waitHealthy(appId);
      const ports = plan.apps[appId];
      if (ports) await waitForActorTypes(ports.httpPort, ports.appPort);
    },
    stop: () => dapr.stop(),
  };
}

/**
 * The fixed ports must be free before anything starts; otherwise say which are taken (a common one: Debian's
 * redis-server service on 6379, started by apt; `sudo systemctl stop redis-server` frees it).
 */
export async function assertPortsFree(
  plan: PortPlan,
  isOpen: (port: number) => Promise<boolean> = tcpOpen,
): Promise<void> {
  const taken: string[] = [];
  for (const [label, port] of listPorts(plan)) if (await isOpen(port)) taken.push(`${port} (${label})`);
  if (taken.length > 0) {
    throw new Error(
      `ports already in use on 127.0.0.1: ${taken.join(", ")}. Is another stack running` +
        `${taken.some((t) => t.includes("(redis)")) ? ", or the system redis-server (sudo systemctl stop redis-server)" : ""}?`,
    );
  }
}

/** The port table printed at start-up (and documented in README). */
export function describePlan(plan: PortPlan): string {
  const rows = Object.entries(plan.apps).map(
    ([id, p]) =>
      `  ${id.padEnd(22)} app http://127.0.0.1:${p.appPort}  dapr http ${p.httpPort}  grpc ${p.grpcPort}  internal ${p.internalGrpcPort}`,
  );
  return [
    ...rows,
    `  placement ${plan.placement.port} (healthz ${plan.placement.healthzPort})  scheduler ${plan.scheduler.port} (healthz ${plan.scheduler.healthzPort}, etcd ${plan.scheduler.etcdClientPort}/${plan.scheduler.etcdPeerPort})  redis ${plan.redisPort}`,
  ].join("\n");
}
