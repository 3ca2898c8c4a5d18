import { describe, expect, it } from "vitest";
import { daprdArgs, daprProcessEnv, placementArgs, schedulerArgs } from "../src/dapr-args.ts";
import { FIXED_PORTS } from "../src/ports.ts";

const chat = FIXED_PORTS.apps["chat-service"]!;
const base = {
  appId: "chat-service",
  ports: chat,
  plan: FIXED_PORTS,
  resourcesDir: "/tmp/r",
  configFile: "/tmp/c.yaml",
  logLevel: "info" as const,
  hasApp: true,
  appHealthCheckPath: "/healthz",
  gracefulShutdownSeconds: 5,
};

describe("daprd command line", () => {
  it("listens on loopback only, disables metrics with '=', points at placement, scheduler, resources, config", () => {
    const args = daprdArgs(base);
    expect(args).toEqual(
      expect.arrayContaining([
        "--app-id=chat-service",
        "--dapr-http-port=3500",
        "--dapr-grpc-port=3510",
        "--dapr-internal-grpc-port=3520",
        "--dapr-internal-grpc-listen-address=127.0.0.1",
        "--dapr-listen-addresses=127.0.0.1",
        "--placement-host-address=127.0.0.1:50005",
        "--scheduler-host-address=127.0.0.1:50006",
        "--resources-path=/tmp/r",
        "--config=/tmp/c.yaml",
        "--enable-metrics=false",
        "--app-port=8010",
        "--app-channel-address=127.0.0.1",
        "--enable-app-health-check",
        "--app-health-check-path=/healthz",
      ]),
    );
  });

  it("omits the app flags for a sidecar without an app, and health checks when turned off", () => {
    expect(daprdArgs({ ...base, hasApp: false }).filter((a) => a.startsWith("--app-"))).toEqual([
      "--app-id=chat-service",
    ]);
    expect(daprdArgs({ ...base, appHealthCheckPath: null })).not.toContain("--enable-app-health-check");
  });
});

describe("control plane command lines", () => {
  it("placement: own raft address and healthz port, metrics off", () => {
    expect(placementArgs(FIXED_PORTS, "warn")).toEqual(
      expect.arrayContaining([
        "--initial-cluster=dapr-placement-0=127.0.0.1:8201",
        "--port=50005",
        "--listen-address=127.0.0.1",
        "--healthz-port=3580",
        "--enable-metrics=false",
        "--log-level=warn",
      ]),
    );
  });

  it("scheduler: loopback broadcast, etcd in the given dir on the planned ports, distinct healthz", () => {
    expect(schedulerArgs(FIXED_PORTS, "/tmp/etcd", "info")).toEqual(
      expect.arrayContaining([
        "--port=50006",
        "--listen-address=127.0.0.1",
        "--override-broadcast-host-port=127.0.0.1:50006",
        "--healthz-port=3581",
        "--enable-metrics=false",
        "--etcd-data-dir=/tmp/etcd",
        "--etcd-client-port=2379",
        "--etcd-client-listen-address=127.0.0.1",
        "--etcd-initial-cluster=dapr-scheduler-server-0=http://127.0.0.1:2380",
      ]),
    );
  });

  it("Dapr processes get DAPR_HOST_IP=127.0.0.1 and only the env they need plus given secrets", () => {
    const env = daprProcessEnv({ PATH: "/bin", HOME: "/h", OPENAI_API_KEY: "leak", OTHER: "x" }, "/tmp/w", {
      S: "1",
    });
    expect(env).toEqual({
      DAPR_HOST_IP: "127.0.0.1",
      NAMESPACE: "default",
      TMPDIR: "/tmp/w",
      PATH: "/bin",
      HOME: "/h",
      S: "1",
    });
  });
});
