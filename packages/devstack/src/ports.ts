import { createServer } from "node:net";

/**
 * The port plan: every port a local Dapr stack listens on, decided up front so that the Dapr resources
 * (name resolution maps app-ids to internal gRPC ports) can be rendered before anything starts.
 *
 * `FIXED_PORTS` is the documented plan of `npm run stack` (README "Local Dapr stack"). Tests never use it:
 * they build a plan from free loopback ports (`freePortPlan`), because other engineers run stacks and tests
 * on the same machine at the same time.
 */
export interface SidecarPorts {
  /** The app's own HTTP port (where daprd delivers invocations, events and actor calls). */
  appPort: number;
  /** daprd's HTTP API (`/v1.0/...`). */
  httpPort: number;
  /** daprd's gRPC API (what the SDK's gRPC client talks to). */
  grpcPort: number;
  /** daprd-to-daprd gRPC (service invocation and actor calls between sidecars). */
  internalGrpcPort: number;
}

export interface PortPlan {
  placement: { port: number; healthzPort: number; raftPort: number };
  scheduler: { port: number; healthzPort: number; etcdClientPort: number; etcdPeerPort: number };
  redisPort: number;
  /** One entry per app-id, in start order. */
  apps: Record<string, SidecarPorts>;
}

/** The three services of the stack, in start order. */
export const STACK_APPS = ["chat-service", "agent-memory-service", "tool-service"] as const;
export type StackAppId = (typeof STACK_APPS)[number];

/**
 * The fixed plan of `npm run stack`; keep in sync with README.md and components/config/config.yaml.
 * Every port except placement/scheduler (Dapr's defaults 50005/50006) stays below 32768, outside Linux's
 * ephemeral range (32768-60999): a port in that range can be taken at any moment as the local port of an
 * outgoing connection (seen here: daprd's internal gRPC port 50012 held by another process's connection).
 */
export const FIXED_PORTS: PortPlan = {
  placement: { port: 50005, healthzPort: 3580, raftPort: 8201 },
  scheduler: { port: 50006, healthzPort: 3581, etcdClientPort: 2379, etcdPeerPort: 2380 },
  redisPort: 6379,
  apps: {
    "chat-service": { appPort: 8010, httpPort: 3500, grpcPort: 3510, internalGrpcPort: 3520 },
    "agent-memory-service": { appPort: 8001, httpPort: 3501, grpcPort: 3511, internalGrpcPort: 3521 },
    "tool-service": { appPort: 8020, httpPort: 3502, grpcPort: 3512, internalGrpcPort: 3522 },
  },
};

/** Ports a plan needs besides those of the apps themselves. */
const SHARED_PORTS = 8;
/** Ports per app when the app port is allocated too / when the caller brings it. */
const PER_APP = 4;

/**
 * Builds a plan for `appIds` from a supply of distinct ports (pure: the caller obtains the ports, e.g. with
 * `freePorts`). Apps that already listen pass their port in `appPorts` and consume none of the supply.
 * Throws when the supply is short or repeats a port, so a plan never assigns one port twice.
 */
export function planPorts(
  appIds: readonly string[],
  supply: readonly number[],
  appPorts: Readonly<Record<string, number>> = {},
): PortPlan {
  if (new Set(appIds).size !== appIds.length) throw new Error(`duplicate app-id in ${appIds.join(", ")}`);
  for (const id of appIds) validateAppId(id);
  const needed = portsNeeded(appIds, appPorts);
  if (supply.length < needed) throw new Error(`port plan needs ${needed} ports, got ${supply.length}`);
  const queue = [...supply];
  const next = (): number => {
    const p = queue.shift();
    if (p === undefined) throw new Error("port supply exhausted");
    return p;
  };
  const plan: PortPlan = {
    placement: { port: next(), healthzPort: next(), raftPort: next() },
    scheduler: { port: next(), healthzPort: next(), etcdClientPort: next(), etcdPeerPort: next() },
    redisPort: next(),
    apps: {},
  };
  for (const id of appIds) {
    plan.apps[id] = {
      appPort: appPorts[id] ?? next(),
      httpPort: next(),
      grpcPort: next(),
      internalGrpcPort: next(),
    };
  }
  assertDistinct(plan);
  return plan;
}

/** How many ports `planPorts` takes from the supply. */
export function portsNeeded(
  appIds: readonly string[],
  appPorts: Readonly<Record<string, number>> = {},
): number {
  return SHARED_PORTS + appIds.reduce((n, id) => n + (appPorts[id] === undefined ? PER_APP : PER_APP - 1), 0);
}

/** Every port of a plan, labelled (for error messages and tests). */
export function listPorts(plan: PortPlan): Array<[label: string, port: number]> {
  const out: Array<[string, number]> = [
    ["placement", plan.placement.port],
    ["placement healthz", plan.placement.healthzPort],
    ["placement raft", plan.placement.raftPort],
    ["scheduler", plan.scheduler.port],
    ["scheduler healthz", plan.scheduler.healthzPort],
    ["scheduler etcd client", plan.scheduler.etcdClientPort],
    ["scheduler etcd peer", plan.scheduler.etcdPeerPort],
    ["redis", plan.redisPort],
  ];
  for (const [id, p] of Object.entries(plan.apps)) {
    out.push([`${id} app`, p.appPort], [`${id} dapr http`, p.httpPort]);
    out.push([`${id} dapr grpc`, p.grpcPort], [`${id} dapr internal grpc`, p.internalGrpcPort]);
  }
  return out;
}

/** Throws if two roles of the plan share a port or a port is out of range. */
export function assertDistinct(plan: PortPlan): void {
  const seen = new Map<number, string>();
  for (const [label, port] of listPorts(plan)) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${label}: invalid port ${port}`);
    const other = seen.get(port);
    if (other !== undefined) throw new Error(`port ${port} assigned to both ${other} and ${label}`);
    seen.set(port, label);
  }
}

/** Dapr's app-id rule (no dots, not empty), plus what our name-resolution template can quote safely. */
export function validateAppId(appId: string): void {
  if (!/^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/i.test(appId)) {
    throw new Error(`invalid app-id "${appId}": use letters, digits, '-' and '_' (no dots)`);
  }
}

/**
 * `count` distinct free TCP ports on 127.0.0.1, found by listening on port 0 with all probes open at once
 * (so the kernel cannot hand out the same port twice). The ports are free when this returns; a process
 * elsewhere could still take one before our child binds it, which is unlikely and shows up as a bind error.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (a === null || typeof a === "string") throw new Error("unexpected server address");
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** A single free loopback port (e.g. for an app that must come back on the same port after a restart). */
export async function freePort(): Promise<number> {
  const [p] = await freePorts(1);
  if (p === undefined) throw new Error("no free port");
  return p;
}

/** A plan for tests: every port free on 127.0.0.1 right now. */
export async function freePortPlan(
  appIds: readonly string[],
  appPorts: Readonly<Record<string, number>> = {},
): Promise<PortPlan> {
  const supply = await freePorts(portsNeeded(appIds, appPorts));
  return planPorts(appIds, supply, appPorts);
}
