import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTools, repoRoot, run, tool } from "./support/tools.ts";

interface Stage {
  name: string;
  from: string;
  instructions: { op: string; args: string }[];
}

/** Splits the Dockerfile into stages of (instruction, arguments), continuation lines joined. */
function stages(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const out: Stage[] = [];
  for (const line of logical) {
    const [op = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (op.toUpperCase() === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      out.push({ name: m?.[2] ?? "", from: m?.[1] ?? "", instructions: [] });
    } else {
      out.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return out;
}

describe("Dockerfile", () => {
  const dockerfile = readFileSync(path.join(repoRoot, "Dockerfile"), "utf8");
  const byName = new Map(stages(dockerfile).map((s) => [s.name, s]));

  beforeAll(async () => {
    await ensureTools("hadolint", "shellcheck");
  }, 600_000);

  it("passes hadolint (which also runs ShellCheck on the RUN instructions)", async () => {
    const result = await run(tool("hadolint"), ["--no-color", "Dockerfile"]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("has the stages the Tiltfile and deploy.yml build: dev and runtime", () => {
    expect([...byName.keys()]).toEqual(expect.arrayContaining(["prune", "build", "dev", "deps", "runtime"]));
    const tiltfile = readFileSync(path.join(repoRoot, "Tiltfile"), "utf8");
    expect(tiltfile).toMatch(/target='dev'/);
    const workflow = readFileSync(path.join(repoRoot, ".github/workflows/deploy.yml"), "utf8");
    expect(workflow).toMatch(/target: runtime/);
  });

  it("runtime: small base, production deps only, non-root, tini as PID 1, node entrypoint, no HEALTHCHECK", () => {
    const runtime = byName.get("runtime");
    expect(runtime).toBeDefined();
    expect(runtime!.from).toBe("${NODE_IMAGE}");
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-alpine$/m);
    const ops = runtime!.instructions;
    expect(ops.find((i) => i.op === "COPY")?.args).toMatch(/--from=deps /);
    const user = ops.filter((i) => i.op === "USER").at(-1)?.args ?? "";
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/); // numeric, so runAsNonRoot can verify it
    expect(ops.find((i) => i.op === "ENTRYPOINT")?.args).toBe('["/sbin/tini", "--"]');
    const cmd = JSON.parse(ops.find((i) => i.op === "CMD")?.args ?? "[]") as string[];
    expect(cmd.slice(0, 2)).toEqual(["node", "--enable-source-maps"]);
    expect(cmd.at(-1)).toBe("dist/server.js");
    expect(ops.find((i) => i.op === "WORKDIR")?.args).toBe("/repo/apps/${APP}");
    expect(dockerfile).not.toMatch(/^\s*HEALTHCHECK/im);
    const deps = byName
      .get("deps")!
      .instructions.map((i) => i.args)
      .join("\n");
    expect(deps).toMatch(/npm prune --omit=dev/);
  });

  it("uses the repository's turbo version", () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    expect(dockerfile).toMatch(
      new RegExp(`^ARG TURBO_VERSION=${pkg.devDependencies.turbo?.replace(/^[\^~]/, "")}$`, "m"),
    );
  });

  it("builds only the app's workspaces: turbo prune, npm ci of the pruned lockfile, a filtered turbo build", () => {
    expect(
      byName
        .get("prune")!
        .instructions.map((i) => i.args)
        .join("\n"),
    ).toMatch(/turbo prune "@troupe\/\$\{APP\}" --docker/);
    const build = byName
      .get("build")!
      .instructions.map((i) => i.args)
      .join("\n");
    expect(build).toMatch(/npm ci --no-audit/);
    expect(build).toMatch(/turbo run build "--filter=@troupe\/\$\{APP\}\.\.\."/);
  });

  it(".dockerignore keeps host build output and secrets out of the context", () => {
    const ignore = readFileSync(path.join(repoRoot, ".dockerignore"), "utf8").split("\n");
    for (const entry of ["node_modules", "**/node_modules", "**/dist", ".env", ".env.*", ".git", ".tools"]) {
      expect(ignore).toContain(entry);
    }
  });
});
