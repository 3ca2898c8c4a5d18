import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, run } from "./support/tools.ts";

// No Docker engine here, so this walks the Dockerfile's stages by hand for one service, in a scratch directory:
// prune (turbo prune --docker) -> build (npm ci from the pruned lockfile, turbo build) -> deps (npm prune
// --omit=dev) -> runtime (the runtime stage's CMD from the app folder; /healthz; SIGTERM).
// Keep the commands in step with the Dockerfile.
const APP = "chat-service";
const turbo = path.join(repoRoot, "node_modules/.bin/turbo");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** The runtime stage's CMD (JSON form), so the test starts the server exactly as the image does. */
function runtimeCmd(): string[] {
  const dockerfile = readFileSync(path.join(repoRoot, "Dockerfile"), "utf8");
  const runtime = dockerfile.slice(dockerfile.search(/^FROM \S+ AS runtime$/m));
  const cmd = /^CMD (\[.*\])$/m.exec(runtime)?.[1];
  if (!cmd) throw new Error("no JSON-form CMD in the Dockerfile's runtime stage");
  return JSON.parse(cmd) as string[];
}

describe(`image build path of ${APP} (Dockerfile stages without Docker)`, () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "troupe-image-"));
  const out = path.join(scratch, "out");
  const work = path.join(scratch, "repo");
  const env = { TURBO_TELEMETRY_DISABLED: "1", NPM_CONFIG_UPDATE_NOTIFIER: "false" };
  let server: ChildProcess | undefined;

  afterAll(() => {
    server?.kill("SIGKILL");
    rmSync(scratch, { recursive: true, force: true });
  });

  beforeAll(async () => {
    const prune = await run(turbo, ["prune", `@troupe/${APP}`, "--docker", "--out-dir", out], { env });
    expect(prune.code, prune.stderr).toBe(0);
    cpSync(path.join(out, "json"), work, { recursive: true });
    const ci = await run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], {
      cwd: work,
      env,
      timeoutMs: 900_000,
    });
    expect(ci.code, ci.stderr.slice(-3000)).toBe(0);
    cpSync(path.join(out, "full"), work, { recursive: true });
    cpSync(path.join(repoRoot, "tsconfig.base.json"), path.join(work, "tsconfig.base.json"));
    const build = await run(turbo, ["run", "build", `--filter=@troupe/${APP}...`], {
      cwd: work,
      env,
      timeoutMs: 900_000,
    });
    expect(build.code, build.stdout.slice(-3000)).toBe(0);
    const prodOnly = await run("npm", ["prune", "--omit=dev", "--no-audit", "--no-fund"], {
      cwd: work,
      env,
      timeoutMs: 300_000,
    });
    expect(prodOnly.code, prodOnly.stderr).toBe(0);
  }, 1_800_000);

  it("holds only the app's workspaces and production dependencies", () => {
    const troupe = path.join(work, "node_modules/@troupe");
    expect(existsSync(path.join(troupe, APP))).toBe(true);
    for (const absent of ["devstack", "deploy", "tool-service", "agent-memory-service"]) {
      expect(existsSync(path.join(troupe, absent)), absent).toBe(false);
    }
    for (const dev of ["typescript", "vitest", "tsx", "turbo", "eslint"]) {
      expect(existsSync(path.join(work, "node_modules", dev)), dev).toBe(false);
    }
    expect(existsSync(path.join(work, "apps", APP, "dist/server.js"))).toBe(true);
  });

  it("starts with the image's entrypoint, answers /healthz and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const [command = "", ...args] = runtimeCmd();
    expect(command).toBe("node");
    const child = spawn(command, args, {
      cwd: path.join(work, "apps", APP),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        APP_ID: APP,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server = child;
    let logs = "";
    child.stdout.on("data", (d: Buffer) => (logs += d.toString()));
    child.stderr.on("data", (d: Buffer) => (logs += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    let status = 0;
    for (let i = 0; i < 120 && status !== 200 && child.exitCode === null; i++) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((r) => r.status)
        .catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status, logs).toBe(200);
    child.kill("SIGTERM");
    expect(await exited, logs).toBe(0);
  }, 120_000);
});
