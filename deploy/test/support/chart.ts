import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import {
  chartDir,
  daprSchemaDir,
  k8sSchemaDir,
  kubernetesVersion,
  run,
  tool,
  type RunResult,
} from "./tools.ts";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  scopes?: string[];
  [key: string]: unknown;
}

export const releaseName = "troupe";
export const namespace = "troupe";

/**
 * The values profiles, each with the overrides its real user passes: the Tiltfile for kind, deploy/ci/deploy.sh
 * (run by .github/workflows/deploy.yml) for cloud.
 */
export const profiles: Record<string, string[]> = {
  kind: ["-f", path.join(chartDir, "values-kind.yaml"), "--set", "app.readOnlyRootFilesystem=false"],
  cloud: [
    "-f",
    path.join(chartDir, "values-cloud.yaml"),
    "--set-string",
    "image.registry=ghcr.io/troupe-org",
    "--set-string",
    "image.tag=0123456789abcdef0123456789abcdef01234567",
    "--set-string",
    "redis.host=redis.staging.internal:6380",
    "--set-string",
    "ingress.host=troupe.staging.example.com",
  ],
};

export function helmTemplate(args: readonly string[]): Promise<RunResult> {
  return run(tool("helm"), ["template", releaseName, chartDir, "--namespace", namespace, ...args]);
}

export async function renderProfile(profile: string): Promise<{ yaml: string; objects: K8sObject[] }> {
  const result = await helmTemplate(profiles[profile] ?? []);
  if (result.code !== 0) throw new Error(`helm template (${profile}) failed:\n${result.stderr}`);
  return { yaml: result.stdout, objects: parseObjects(result.stdout) };
}

export function parseObjects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered chart`);
  return found;
}

export interface KubeconformSummary {
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
}

export interface KubeconformReport {
  code: number | null;
  summary: KubeconformSummary;
  resources: { filename: string; kind: string; name: string; status: string; msg: string }[];
  raw: RunResult;
}

/**
 * kubeconform in strict mode against local schemas only: core kinds from kubernetes-validate's strict schemas,
 * dapr.io kinds from the pinned Dapr release's CRDs. No -ignore-missing-schemas: a kind without a schema fails.
 */
export async function kubeconform(yamlText: string): Promise<KubeconformReport> {
  const dir = mkdtempSync(path.join(tmpdir(), "troupe-kubeconform-"));
  try {
    const file = path.join(dir, "rendered.yaml");
    writeFileSync(file, yamlText);
    const raw = await run(tool("kubeconform"), [
      "-strict",
      "-summary",
      "-output",
      "json",
      "-verbose",
      "-kubernetes-version",
      kubernetesVersion,
      "-schema-location",
      `${k8sSchemaDir}/{{.ResourceKind}}{{.KindSuffix}}.json`,
      "-schema-location",
      `${daprSchemaDir}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
      file,
    ]);
    const report = JSON.parse(raw.stdout) as Omit<KubeconformReport, "code" | "raw">;
    return { ...report, resources: report.resources ?? [], code: raw.code, raw };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
