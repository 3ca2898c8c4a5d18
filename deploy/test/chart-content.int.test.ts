import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ensureTools, repoRoot } from "./support/tools.ts";
import { find, renderProfile, type K8sObject } from "./support/chart.ts";

const services = { "chat-service": 8010, "agent-memory-service": 8001, "tool-service": 8020 } as const;

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  securityContext?: Record<string, unknown>;
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  startupProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodTemplate {
  metadata: { annotations: Record<string, string> };
  spec: { containers: Container[]; securityContext: Record<string, unknown> };
}

function podTemplate(o: K8sObject): PodTemplate {
  return (o.spec as { template: PodTemplate }).template;
}
function envOf(c: Container): Record<string, string | undefined> {
  return Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
}
function metadataMap(component: K8sObject): Record<string, unknown> {
  const items = (component.spec as { metadata: { name: string; value?: unknown; secretKeyRef?: unknown }[] })
    .metadata;
  return Object.fromEntries(items.map((m) => [m.name, m.value ?? m.secretKeyRef]));
}

/** The local Dapr resources owned next to the code (components/*.yaml), by kind/name. */
function localComponents(): Map<string, K8sObject> {
  const dir = path.join(repoRoot, "components");
  const out = new Map<string, K8sObject>();
  for (const file of readdirSync(dir, { recursive: true })) {
    const name = String(file);
    if (!name.endsWith(".yaml") && !name.endsWith(".yml")) continue;
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, name), "utf8"))) {
      const o = doc.toJS() as K8sObject | null;
      if (o?.kind) out.set(`${o.kind}/${o.metadata.name}`, o);
    }
  }
  return out;
}

describe("rendered chart content", () => {
  let kind: K8sObject[] = [];
  let cloud: K8sObject[] = [];
  beforeAll(async () => {
    await ensureTools("helm");
    kind = (await renderProfile("kind")).objects;
    cloud = (await renderProfile("cloud")).objects;
  }, 3_600_000);

  describe.each(Object.entries(services))("%s", (name, port) => {
    it.each(["kind", "cloud"])(
      "runs with a Dapr sidecar, probes and a restricted security context (%s)",
      (p) => {
        const objects = p === "kind" ? kind : cloud;
        const template = podTemplate(find(objects, "Deployment", name));
        const a = template.metadata.annotations;
        expect(a).toMatchObject({
          "dapr.io/enabled": "true",
          "dapr.io/app-id": name,
          "dapr.io/app-port": String(port),
          "dapr.io/app-protocol": "http",
          "dapr.io/config": "troupe-config",
          "dapr.io/log-as-json": "true",
          "dapr.io/enable-metrics": "true",
          "dapr.io/metrics-port": "9090",
        });
        expect(a["dapr.io/sidecar-memory-limit"]).toMatch(/Mi$/);
        expect(template.spec.securityContext).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        const [app] = template.spec.containers;
        expect(app).toBeDefined();
        expect(envOf(app!)).toMatchObject({
          APP_ID: name,
          PORT: String(port),
          HOST: "0.0.0.0",
          DAPR_HTTP_PORT: "3500",
        });
        for (const probe of [app!.readinessProbe, app!.livenessProbe, app!.startupProbe]) {
          expect(probe?.httpGet?.path).toBe("/healthz");
        }
        expect(app!.resources?.requests?.memory).toBeDefined();
        expect(app!.resources?.limits?.memory).toBeDefined();
        expect(app!.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
          // Tilt's live update needs a writable root filesystem; everywhere else it is read-only.
          readOnlyRootFilesystem: p === "cloud",
        });
        expect(find(objects, "Service", name).spec).toMatchObject({ ports: [{ port, targetPort: "http" }] });
      },
    );
  });

  it("kind: local stack in-cluster, images from the local registry, nothing cloud-only", () => {
    for (const d of [
      "troupe-redis",
      "troupe-jaeger",
      "troupe-otel-collector",
      "troupe-prometheus",
      "troupe-grafana",
    ]) {
      expect(find(kind, "Deployment", d).metadata.labels?.["app.kubernetes.io/component"]).toBe(
        "local-stack",
      );
    }
    for (const name of Object.keys(services)) {
      expect(podTemplate(find(kind, "Deployment", name)).spec.containers[0]?.image).toBe(
        `localhost:5001/troupe/${name}:dev`,
      );
    }
    expect(metadataMap(find(kind, "Component", "statestore")).redisHost).toBe(
      "troupe-redis.troupe.svc.cluster.local:6379",
    );
    const tracing = (
      find(kind, "Configuration", "troupe-config").spec as { tracing: Record<string, unknown> }
    ).tracing;
    expect(tracing).toMatchObject({
      samplingRate: "1",
      otel: { endpointAddress: "troupe-otel-collector.troupe.svc.cluster.local:4317", isSecure: false },
    });
    expect(
      kind.filter((o) => ["Ingress", "HorizontalPodAutoscaler", "NetworkPolicy"].includes(o.kind)),
    ).toEqual([]);
  });

  it("cloud: external Redis with a secret reference, ingress with TLS, HPA, PDB and network policies", () => {
    const state = metadataMap(find(cloud, "Component", "statestore"));
    expect(state).toMatchObject({
      redisHost: "redis.staging.internal:6380",
      redisPassword: { name: "troupe-redis", key: "redis-password" },
      enableTLS: "true",
      actorStateStore: "true",
    });
    expect(find(cloud, "Component", "secretstore").spec).toMatchObject({ type: "secretstores.kubernetes" });
    const ingress = find(cloud, "Ingress", "troupe").spec as Record<string, unknown>;
    expect(ingress).toMatchObject({
      tls: [{ hosts: ["troupe.staging.example.com"], secretName: "troupe-tls" }],
      rules: [{ host: "troupe.staging.example.com" }],
    });
    for (const name of Object.keys(services)) {
      expect(find(cloud, "HorizontalPodAutoscaler", name).spec).toMatchObject({ minReplicas: 2 });
      // With an HPA the Deployment must not pin replicas (helm upgrades would fight the autoscaler).
      expect(find(cloud, "Deployment", name).spec).not.toHaveProperty("replicas");
      expect(find(cloud, "PodDisruptionBudget", name).spec).toMatchObject({ maxUnavailable: 1 });
      find(cloud, "NetworkPolicy", name);
      expect(podTemplate(find(cloud, "Deployment", name)).spec.containers[0]?.image).toBe(
        `ghcr.io/troupe-org/troupe/${name}:0123456789abcdef0123456789abcdef01234567`,
      );
    }
    expect(cloud.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "local-stack")).toEqual(
      [],
    );
  });

  it("every namespaced object lands in the release namespace", () => {
    for (const o of [...kind, ...cloud])
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe("troupe");
  });

  // The chart templates the same Dapr resources as components/ (Helm cannot read files outside the chart);
  // this keeps them in sync: only connection settings and the secret store type may differ.
  describe("stays in sync with the local Dapr resources in components/", () => {
    it("Resiliency: same policies and targets", () => {
      const local = localComponents().get("Resiliency/troupe-resiliency");
      expect(local, "components/ has no Resiliency troupe-resiliency").toBeDefined();
      expect(find(kind, "Resiliency", "troupe-resiliency").spec).toEqual(local!.spec);
    });

    it.each(["user-chat", "agent-events"])(
      "Subscription %s: same topic, routes, dead-letter topic and scopes",
      (name) => {
        const local = localComponents().get(`Subscription/${name}`);
        expect(local, `components/ has no Subscription ${name}`).toBeDefined();
        const chart = find(kind, "Subscription", name);
        expect(chart.apiVersion).toBe(local!.apiVersion);
        expect(chart.spec).toEqual(local!.spec);
        expect(chart.scopes).toEqual(local!.scopes);
      },
    );

    it.each(["statestore", "pubsub", "broadcast"])(
      "Component %s: same type and settings apart from the connection (and the per-pod consumer group)",
      (name) => {
        const local = localComponents().get(`Component/${name}`);
        expect(local, `components/ has no Component ${name}`).toBeDefined();
        const connection = ["redisHost", "redisPassword", "enableTLS", "consumerID"];
        const strip = (m: Record<string, unknown>) =>
          Object.fromEntries(Object.entries(m).filter(([k]) => !connection.includes(k)));
        const chart = find(kind, "Component", name);
        expect(chart.spec).toMatchObject({ type: local!.spec?.type, version: local!.spec?.version });
        expect(strip(metadataMap(chart))).toEqual(strip(metadataMap(local!)));
        expect(chart.scopes).toEqual(local!.scopes);
      },
    );

    it("Component broadcast: one consumer group per pod, so every replica gets every notification", () => {
      expect(metadataMap(find(kind, "Component", "broadcast"))).toMatchObject({ consumerID: "{podName}" });
      expect(metadataMap(find(kind, "Component", "pubsub"))).not.toHaveProperty("consumerID");
    });

    it("Component secretstore: same name (Kubernetes secrets in-cluster)", () => {
      expect(localComponents().get("Component/secretstore")).toBeDefined();
      expect(find(kind, "Component", "secretstore").spec).toMatchObject({ type: "secretstores.kubernetes" });
    });
  });
});
