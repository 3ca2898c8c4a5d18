import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { COMPONENTS_DIR, CONFIG_FILE } from "../src/paths.ts";
import { FIXED_PORTS } from "../src/ports.ts";
import { nameResolutionTemplate, renderConfiguration, renderResource } from "../src/resources.ts";

const fixedInternal = Object.fromEntries(
  Object.entries(FIXED_PORTS.apps).map(([id, p]) => [id, p.internalGrpcPort]),
);
const committedConfig = readFileSync(CONFIG_FILE, "utf8");

type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
  scopes?: string[];
};
const resources = (): Doc[] =>
  readdirSync(COMPONENTS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(COMPONENTS_DIR, f), "utf8")).map((d) => d.toJS() as Doc),
    );

describe("components/ (committed with the fixed local values)", () => {
  it("has the state store (actor state store), pub/sub, secret store, resiliency and the user-chat subscription", () => {
    const byName = new Map(resources().map((d) => [`${d.kind}/${d.metadata.name}`, d]));
    const meta = (d: Doc | undefined) =>
      Object.fromEntries(
        ((d?.spec["metadata"] as { name: string; value: string }[]) ?? []).map((m) => [m.name, m.value]),
      );
    const state = byName.get("Component/statestore");
    expect(state?.spec["type"]).toBe("state.redis");
    expect(meta(state)).toMatchObject({ redisHost: "127.0.0.1:6379", actorStateStore: "true" });
    expect(byName.get("Component/pubsub")?.spec["type"]).toBe("pubsub.redis");
    expect(byName.get("Component/secretstore")?.spec["type"]).toBe("secretstores.local.env");
    const res = byName.get("Resiliency/troupe-resiliency");
    // No sidecar policy on actor calls: with a timeout daprd 1.18 cancels the call before it has read a large
    // answer (resiliency.yaml says why); the real-stack large-reads test shows the failure it causes.
    expect(res?.spec).toMatchObject({ policies: { timeouts: { serviceCall: "15s" } } });
    expect((res?.spec["targets"] as Record<string, unknown>)["actors"]).toBeUndefined();
    const sub = byName.get("Subscription/user-chat");
    expect(sub?.apiVersion).toBe("dapr.io/v2alpha1");
    expect(sub?.spec).toEqual({
      pubsubname: "pubsub",
      topic: "user-chat",
      routes: {
        rules: [{ match: 'event.type == "ConversationUpdated"', path: "/events/conversation-updated" }],
        default: "/events/unhandled",
      },
      deadLetterTopic: "user-chat-deadletter",
    });
    expect(sub?.scopes).toEqual(["agent-memory-service"]);
  });

  it("has a Configuration with full sampling to local zipkin and the kubernetes name resolver", () => {
    const cfg = parse(committedConfig) as Doc;
    expect(cfg.kind).toBe("Configuration");
    expect(cfg.spec).toMatchObject({
      tracing: { samplingRate: "1", zipkin: { endpointAddress: "http://127.0.0.1:9411/api/v2/spans" } },
      nameResolution: {
        component: "kubernetes",
        configuration: { template: nameResolutionTemplate(fixedInternal) },
      },
    });
  });

  it("is exactly what the launcher renders for the fixed plan (the committed file cannot drift)", () => {
    const rendered = renderConfiguration(committedConfig, {
      internalPorts: fixedInternal,
      zipkinEndpoint: "http://127.0.0.1:9411/api/v2/spans",
    });
    expect(rendered).toBe(committedConfig);
  });
});

describe("rendering for another port plan", () => {
  it("maps each app-id to its internal gRPC port and unknown ids to a dead port", () => {
    expect(nameResolutionTemplate({ a: 41000, b: 41010 })).toBe(
      '{{if eq .ID "a"}}127.0.0.1:41000{{else if eq .ID "b"}}127.0.0.1:41010{{else}}127.0.0.1:1{{end}}',
    );
    expect(nameResolutionTemplate({})).toBe("127.0.0.1:1");
  });

  it("renders the Configuration with the new template, and sampling off when there is no collector", () => {
    const out = parse(
      renderConfiguration(committedConfig, { internalPorts: { x: 45000 }, zipkinEndpoint: null }),
    ) as Doc;
    expect(out.spec).toMatchObject({
      tracing: { samplingRate: "0" },
      nameResolution: { configuration: { template: nameResolutionTemplate({ x: 45000 }) } },
    });
    const traced = parse(
      renderConfiguration(committedConfig, {
        internalPorts: { x: 45000 },
        zipkinEndpoint: "http://127.0.0.1:5555/api/v2/spans",
      }),
    ) as Doc;
    expect(traced.spec).toMatchObject({
      tracing: { samplingRate: "1", zipkin: { endpointAddress: "http://127.0.0.1:5555/api/v2/spans" } },
    });
  });

  it("fails loudly when the Configuration lacks a line it must render", () => {
    expect(() =>
      renderConfiguration("kind: Configuration\n", { internalPorts: {}, zipkinEndpoint: null }),
    ).toThrow(/template:/);
  });

  it("substitutes the Redis address in resources", () => {
    const text = readFileSync(join(COMPONENTS_DIR, "statestore.yaml"), "utf8");
    const out = renderResource(text, "127.0.0.1:46379");
    expect(out).not.toContain("127.0.0.1:6379");
    expect(out).toContain('value: "127.0.0.1:46379"');
  });
});
