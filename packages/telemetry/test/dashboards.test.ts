/**
 * The Grafana dashboards (deploy/grafana/dashboards) only query metrics this package produces (or daprd's
 * own `dapr_*`), under the names the Prometheus exporter gives them, and split them by attributes the span
 * metrics processor actually records.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRIC_NAMES } from "../src/span-metrics.ts";

const DIR = join(import.meta.dirname, "..", "..", "..", "deploy", "grafana", "dashboards");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));

interface Panel {
  title: string;
  targets?: { expr: string }[];
}
const dashboards = files.map((f) => ({
  file: f,
  json: JSON.parse(readFileSync(join(DIR, f), "utf8")) as {
    uid: string;
    panels: Panel[];
    links: { url?: string }[];
  },
}));

const prom = (name: string) => name.replace(/\./g, "_");
const OURS = new Set(Object.values(METRIC_NAMES).map(prom));
// Attributes the processor records (see span-metrics.ts), plus the resource label and histogram `le`.
const LABELS = new Set(
  [
    "service.name",
    "le",
    "http.request.method",
    "http.route",
    "http.response.status_code",
    "troupe.actor.type",
    "troupe.actor.method",
    "troupe.actor.callback",
    "outcome",
    "gen_ai.tool.name",
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.token.type",
    "error.type",
    "messaging.operation.type",
    "messaging.destination.name",
    "messaging.system",
  ].map(prom),
);

describe("Grafana dashboards", () => {
  it("exist for requests, actors, events and model usage, with unique uids and a Jaeger link", () => {
    expect(files.sort()).toEqual([
      "troupe-actors.json",
      "troupe-events.json",
      "troupe-model-usage.json",
      "troupe-requests.json",
    ]);
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(files.length);
    for (const d of dashboards) expect(d.json.links.some((l) => l.url?.includes("${jaeger_url}"))).toBe(true);
  });

  it("query only metrics we export (or daprd's) and group by recorded attributes", () => {
    for (const { file, json } of dashboards) {
      for (const panel of json.panels) {
        for (const { expr } of panel.targets ?? []) {
          const where = `${file} / ${panel.title}: ${expr}`;
          for (const [, base] of expr.matchAll(/\b((?:troupe|gen_ai)_[a-z_]+?)_(?:count|sum|bucket)\b/g)) {
            expect(OURS, where).toContain(base);
          }
          if (!/\b(troupe|gen_ai)_/.test(expr)) {
            expect(expr, where).toMatch(/\bdapr_/);
            continue;
          }
          for (const [, list] of expr.matchAll(/by \(([^)]*)\)/g)) {
            for (const label of list!.split(",").map((s) => s.trim())) expect(LABELS, where).toContain(label);
          }
        }
      }
    }
  });
});
