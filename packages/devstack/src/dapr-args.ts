import type { PortPlan, SidecarPorts } from "./ports.ts";

/**
 * Command lines of the Dapr control plane and sidecars for a loopback-only, standalone run: every listener
 * on 127.0.0.1 where the binary allows it,
 * metrics off (their default ports clash), distinct healthz ports, no mDNS (name resolution comes from the
 * Configuration), scheduler etcd data in the caller's fresh directory.
 */
export type DaprLogLevel = "debug" | "info" | "warn" | "error";

/** Env every Dapr process gets: advertise loopback, not the host's primary IP; fixed namespace. */
export function daprProcessEnv(
  base: Readonly<Record<string, string | undefined>>,
  tmpDir: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = { DAPR_HOST_IP: "127.0.0.1", NAMESPACE: "default", TMPDIR: tmpDir };
  for (const k of ["PATH", "HOME", "LANG", "TZ"]) {
    const v = base[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...extra };
}

export function placementArgs(plan: PortPlan, logLevel: DaprLogLevel): string[] {
  const p = plan.placement;
  return [
    "--id=dapr-placement-0",
    `--initial-cluster=dapr-placement-0=127.0.0.1:${p.raftPort}`,
    `--port=${p.port}`,
    "--listen-address=127.0.0.1",
    `--healthz-port=${p.healthzPort}`,
    "--healthz-listen-address=127.0.0.1",
    "--enable-metrics=false",
    `--log-level=${logLevel}`,
  ];
}

export function schedulerArgs(plan: PortPlan, etcdDataDir: string, logLevel: DaprLogLevel): string[] {
  const s = plan.scheduler;
  return [
    "--id=dapr-scheduler-server-0",
    `--port=${s.port}`,
    "--listen-address=127.0.0.1",
    `--override-broadcast-host-port=127.0.0.1:${s.port}`,
    `--healthz-port=${s.healthzPort}`,
    "--healthz-listen-address=127.0.0.1",
    "--enable-metrics=false",
    `--etcd-data-dir=${etcdDataDir}`,
    `--etcd-client-port=${s.etcdClientPort}`,
    "--etcd-client-listen-address=127.0.0.1",
    `--etcd-initial-cluster=dapr-scheduler-server-0=http://127.0.0.1:${s.etcdPeerPort}`,
    `--log-level=${logLevel}`,
  ];
}

export interface DaprdArgsOptions {
  appId: string;
  ports: SidecarPorts;
  plan: PortPlan;
  resourcesDir: string;
  configFile: string;
  logLevel: DaprLogLevel;
  /** false: a sidecar without an app (no --app-port). */
  hasApp: boolean;
  /** daprd probes the app and takes it out of actor placement while it is unhealthy. */
  appHealthCheckPath: string | null;
  gracefulShutdownSeconds: number;
}

export function daprdArgs(o: DaprdArgsOptions): string[] {
  const args = [
    "--mode=standalone",
    `--app-id=${o.appId}`,
    `--dapr-http-port=${o.ports.httpPort}`,
    `--dapr-grpc-port=${o.ports.grpcPort}`,
    `--dapr-internal-grpc-port=${o.ports.internalGrpcPort}`,
    "--dapr-internal-grpc-listen-address=127.0.0.1",
    "--dapr-listen-addresses=127.0.0.1",
    `--placement-host-address=127.0.0.1:${o.plan.placement.port}`,
    `--scheduler-host-address=127.0.0.1:${o.plan.scheduler.port}`,
    `--resources-path=${o.resourcesDir}`,
    `--config=${o.configFile}`,
    "--enable-metrics=false",
    `--dapr-graceful-shutdown-seconds=${o.gracefulShutdownSeconds}`,
    `--log-level=${o.logLevel}`,
  ];
  if (o.hasApp) {
    args.push(`--app-port=${o.ports.appPort}`, "--app-protocol=http", "--app-channel-address=127.0.0.1");
    if (o.appHealthCheckPath !== null) {
      args.push(
        "--enable-app-health-check",
        `--app-health-check-path=${o.appHealthCheckPath}`,
        "--app-health-probe-interval=1",
        "--app-health-threshold=2",
      );
    }
  }
  return args;
}
