import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

/** Repository root (deploy/test/support -> ../../..). */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");
export const chartDir = path.join(repoRoot, "deploy/chart");
export const daprVersion = readFileSync(path.join(repoRoot, "DAPR_VERSION"), "utf8").trim();
/** Kubernetes version the rendered manifests are validated against (schemas from kubernetes-validate). */
export const kubernetesVersion = "1.33.0";
export const toolsBin = path.join(repoRoot, ".tools/bin");
export const k8sSchemaDir = path.join(repoRoot, `.tools/schemas/k8s/v${kubernetesVersion}-standalone-strict`);
export const daprSchemaDir = path.join(repoRoot, `.tools/schemas/dapr-${daprVersion}`);

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/** Runs a command to completion and never throws on a non-zero exit: callers assert on the result. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, PATH: `${toolsBin}:${process.env.PATH ?? ""}`, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Builds (first run only) or reuses the named tools via scripts/tools.sh, which keys every build by version
 * under $TROUPE_CACHE/tools or .tools/store. Throws with the script's output when a build fails.
 */
export async function ensureTools(...names: string[]): Promise<void> {
  const result = await run(path.join(repoRoot, "scripts/tools.sh"), names, {
    env: { KUBERNETES_VERSION: kubernetesVersion },
    timeoutMs: 60 * 60_000,
  });
  if (result.code !== 0) {
    throw new Error(
      `scripts/tools.sh ${names.join(" ")} failed (${result.code}):\n${result.stderr.slice(-4000)}`,
    );
  }
}

export function tool(name: string): string {
  return path.join(toolsBin, name);
}
