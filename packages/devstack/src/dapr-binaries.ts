import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, pinnedDaprVersion } from "./paths.ts";

/** Absolute paths of the three Dapr runtime binaries at the pinned version. */
export interface DaprBinaries {
  daprd: string;
  placement: string;
  scheduler: string;
  version: string;
}

export const DAPR_BINARY_NAMES = ["daprd", "placement", "scheduler"] as const;

/**
 * Where the runtime is looked for, first hit wins; mirrors scripts/dapr-runtime.sh, which is the single
 * implementation of the lookup-or-build (this list is for error messages and tests).
 */
export function daprCandidateDirs(opts: { cacheRoot: string; home: string; version: string }): string[] {
  return [
    join(opts.cacheRoot, "dapr", opts.version, "bin"),
    join(opts.home, ".cache", "troupe", "dapr", opts.version, "bin"),
    join(opts.home, ".dapr", "bin"),
  ];
}

/** The cache root: $TROUPE_CACHE, else <repo>/.cache (git-ignored). */
export function cacheRoot(
  env: Readonly<Record<string, string | undefined>>,
  root: string = REPO_ROOT,
): string {
  const v = env["TROUPE_CACHE"];
  return v !== undefined && v !== "" ? v : join(root, ".cache");
}

/** `daprd --version` prints the bare version ("1.18.2"); a build without ldflags prints "edge". */
export function versionMatches(output: string, pinned: string): boolean {
  return output.trim() === pinned;
}

/** The binaries inside `dir`; throws naming the first one that is missing or not executable. */
export function binariesIn(dir: string, version: string): DaprBinaries {
  const [daprd, placement, scheduler] = DAPR_BINARY_NAMES.map((n) => join(dir, n)) as [
    string,
    string,
    string,
  ];
  for (const p of [daprd, placement, scheduler]) {
    try {
      accessSync(p, constants.X_OK);
    } catch {
      throw new Error(`${p} is missing or not executable`);
    }
  }
  return { daprd, placement, scheduler, version };
}

/**
 * Runs scripts/dapr-runtime.sh (reuse the cache or a `dapr init --slim` install, else build from the Go
 * module proxy; the first build takes minutes and its progress goes to our stderr) and returns the binaries.
 * When neither Go nor binaries exist, the script's message (what to install) becomes the error.
 */
export async function resolveDaprBinaries(opts: {
  /** The caller's environment (PATH, HOME, TROUPE_CACHE); the script runs with it. */
  env: Readonly<Record<string, string | undefined>>;
  root?: string;
  onProgress?: (line: string) => void;
}): Promise<DaprBinaries> {
  const root = opts.root ?? REPO_ROOT;
  const env = opts.env;
  const version = pinnedDaprVersion(root);
  const script = join(root, "scripts", "dapr-runtime.sh");
  const { code, stdout, stderr } = await run(
    "bash",
    [script],
    { ...env, TROUPE_CACHE: cacheRoot(env, root) },
    opts.onProgress ?? ((l) => process.stderr.write(`${l}\n`)),
  );
  if (code !== 0) {
    const why = stderr.trim().split("\n").slice(-8).join("\n");
    throw new Error(`scripts/dapr-runtime.sh failed (exit ${code}):\n${why}`);
  }
  const dir = stdout.trim().split("\n").pop() ?? "";
  if (dir === "") throw new Error("scripts/dapr-runtime.sh printed no directory");
  return binariesIn(dir, version);
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
  onLine: (line: string) => void,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      pending += d;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) onLine(l);
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (pending !== "") onLine(pending);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
