import { describe, expect, it } from "vitest";
import {
  assertDistinct,
  FIXED_PORTS,
  freePortPlan,
  listPorts,
  planPorts,
  portsNeeded,
  STACK_APPS,
} from "../src/ports.ts";

describe("FIXED_PORTS (the documented plan of npm run stack)", () => {
  it("has the documented app and sidecar ports", () => {
    expect(Object.keys(FIXED_PORTS.apps)).toEqual([...STACK_APPS]);
    expect(FIXED_PORTS.apps["chat-service"]).toMatchObject({ appPort: 8010, httpPort: 3500 });
    expect(FIXED_PORTS.apps["agent-memory-service"]).toMatchObject({ appPort: 8001, httpPort: 3501 });
    expect(FIXED_PORTS.apps["tool-service"]).toMatchObject({ appPort: 8020, httpPort: 3502 });
    expect(FIXED_PORTS.placement.port).toBe(50005);
    expect(FIXED_PORTS.scheduler.port).toBe(50006);
    expect(FIXED_PORTS.redisPort).toBe(6379);
  });

  it("never gives one port two roles (healthz ports of placement and scheduler differ)", () => {
    expect(() => assertDistinct(FIXED_PORTS)).not.toThrow();
    expect(FIXED_PORTS.placement.healthzPort).not.toBe(FIXED_PORTS.scheduler.healthzPort);
  });
});

describe("planPorts", () => {
  const supply = (n: number, from = 40_000) => Array.from({ length: n }, (_, i) => from + i);

  it("assigns shared ports first, then app, http, grpc, internal per app in order", () => {
    const plan = planPorts(["a", "b"], supply(portsNeeded(["a", "b"])));
    expect(plan.placement).toEqual({ port: 40000, healthzPort: 40001, raftPort: 40002 });
    expect(plan.scheduler).toEqual({
      port: 40003,
      healthzPort: 40004,
      etcdClientPort: 40005,
      etcdPeerPort: 40006,
    });
    expect(plan.redisPort).toBe(40007);
    expect(plan.apps["a"]).toEqual({
      appPort: 40008,
      httpPort: 40009,
      grpcPort: 40010,
      internalGrpcPort: 40011,
    });
    expect(plan.apps["b"]).toEqual({
      appPort: 40012,
      httpPort: 40013,
      grpcPort: 40014,
      internalGrpcPort: 40015,
    });
  });

  it("keeps the port of an app that already listens and takes one port less for it", () => {
    expect(portsNeeded(["a", "b"], { a: 9999 })).toBe(portsNeeded(["a", "b"]) - 1);
    const plan = planPorts(["a", "b"], supply(portsNeeded(["a", "b"], { a: 9999 })), { a: 9999 });
    expect(plan.apps["a"]?.appPort).toBe(9999);
    expect(plan.apps["b"]?.appPort).toBe(40011);
  });

  it("rejects a short supply, a repeated port, duplicate or dotted app-ids", () => {
    expect(() => planPorts(["a"], supply(3))).toThrow(/needs 12 ports, got 3/);
    expect(() => planPorts(["a"], [...supply(11), 40_000])).toThrow(
      /port 40000 assigned to both placement and a dapr internal grpc/,
    );
    expect(() => planPorts(["a", "a"], supply(20))).toThrow(/duplicate app-id/);
    expect(() => planPorts(["my.app"], supply(20))).toThrow(/invalid app-id "my.app"/);
    expect(() => planPorts(["a"], supply(20), { a: 40_008 })).toThrow(/assigned to both/);
  });

  it("lists every port with a label", () => {
    const labels = listPorts(FIXED_PORTS).map(([l]) => l);
    expect(labels).toContain("scheduler etcd peer");
    expect(labels).toContain("tool-service dapr internal grpc");
    expect(labels).toHaveLength(8 + 4 * 3);
  });
});

describe("freePortPlan", () => {
  it("builds a valid plan from free loopback ports, avoiding the fixed stack ports", async () => {
    const plan = await freePortPlan([...STACK_APPS]);
    expect(() => assertDistinct(plan)).not.toThrow();
    const fixed = new Set(listPorts(FIXED_PORTS).map(([, p]) => p));
    for (const [, p] of listPorts(plan)) expect(fixed.has(p)).toBe(false);
  });
});
