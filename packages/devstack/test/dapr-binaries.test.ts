import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheRoot, daprCandidateDirs, resolveDaprBinaries, versionMatches } from "../src/dapr-binaries.ts";
import { pinnedDaprVersion, REPO_ROOT } from "../src/paths.ts";
import { which } from "../src/redis.ts";

const version = pinnedDaprVersion();

describe("pure parts", () => {
  it("looks in the project cache first, then the machine-wide cache, then a `dapr init --slim` install", () => {
    expect(daprCandidateDirs({ cacheRoot: "/c", home: "/h", version: "1.18.2" })).toEqual([
      "/c/dapr/1.18.2/bin",
      "/h/.cache/troupe/dapr/1.18.2/bin",
      "/h/.dapr/bin",
    ]);
  });

  it("uses TROUPE_CACHE when set, else <repo>/.cache", () => {
    expect(cacheRoot({ TROUPE_CACHE: "/x" })).toBe("/x");
    expect(cacheRoot({ TROUPE_CACHE: "" })).toBe(join(REPO_ROOT, ".cache"));
    expect(cacheRoot({})).toBe(join(REPO_ROOT, ".cache"));
  });

  it("accepts only the pinned version (a build without ldflags says 'edge')", () => {
    expect(versionMatches("1.18.2\n", "1.18.2")).toBe(true);
    expect(versionMatches("edge", "1.18.2")).toBe(false);
    expect(versionMatches("1.18.3", "1.18.2")).toBe(false);
  });

  it("the pinned version is a plain semver from DAPR_VERSION", () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

/**
 * scripts/dapr-runtime.sh against fake binaries (shell scripts printing a version) and a PATH that holds
 * only what the script needs, so no test here can start a real Go build.
 */
describe("scripts/dapr-runtime.sh through resolveDaprBinaries", () => {
  let dir: string;
  let env: Record<string, string>;

  const fakeRuntime = (binDir: string, v: string) => {
    mkdirSync(binDir, { recursive: true });
    for (const n of ["daprd", "placement", "scheduler"]) {
      writeFileSync(join(binDir, n), `#!/bin/sh\necho ${v}\n`);
      chmodSync(join(binDir, n), 0o755);
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "troupe-binaries-"));
    const pathDir = join(dir, "path");
    mkdirSync(pathDir);
    for (const tool of ["bash", "tr", "dirname"]) {
      const real = which(tool, process.env["PATH"]);
      if (real === undefined) throw new Error(`${tool} not found`);
      symlinkSync(real, join(pathDir, tool));
    }
    env = { PATH: pathDir, HOME: join(dir, "home"), TROUPE_CACHE: join(dir, "cache") };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reuses the cached binaries at the pinned version", async () => {
    fakeRuntime(join(dir, "cache", "dapr", version, "bin"), version);
    const b = await resolveDaprBinaries({ env, onProgress: () => {} });
    expect(b).toEqual({
      daprd: join(dir, "cache", "dapr", version, "bin", "daprd"),
      placement: join(dir, "cache", "dapr", version, "bin", "placement"),
      scheduler: join(dir, "cache", "dapr", version, "bin", "scheduler"),
      version,
    });
  });

  it("falls back to the machine-wide cache ~/.cache/troupe that .ci/run fills", async () => {
    fakeRuntime(join(dir, "home", ".cache", "troupe", "dapr", version, "bin"), version);
    fakeRuntime(join(dir, "home", ".dapr", "bin"), version);
    const b = await resolveDaprBinaries({ env, onProgress: () => {} });
    expect(b.daprd).toBe(join(dir, "home", ".cache", "troupe", "dapr", version, "bin", "daprd"));
  });

  it("skips a cache at another version and takes ~/.dapr/bin when its daprd has the pinned version", async () => {
    fakeRuntime(join(dir, "cache", "dapr", version, "bin"), "edge");
    fakeRuntime(join(dir, "home", ".dapr", "bin"), version);
    const b = await resolveDaprBinaries({ env, onProgress: () => {} });
    expect(b.daprd).toBe(join(dir, "home", ".dapr", "bin", "daprd"));
  });

  it("waits for a build another run holds the lock for, then reuses its result instead of building again", async () => {
    const pathDir = join(dir, "path");
    for (const tool of ["flock", "sleep", "mkdir", "sh"]) {
      const real = which(tool, process.env["PATH"]);
      if (real === undefined) throw new Error(`${tool} not found`);
      symlinkSync(real, join(pathDir, tool));
    }
    // A `go` that fails: reaching the build step would fail the test.
    writeFileSync(join(pathDir, "go"), "#!/bin/sh\necho unexpected build >&2; exit 9\n");
    chmodSync(join(pathDir, "go"), 0o755);
    const cache = join(dir, "cache", "dapr", version);
    mkdirSync(cache, { recursive: true });
    const other = spawn("flock", [join(cache, ".build.lock"), "sleep", "0.7"], { stdio: "ignore" });
    const otherDone = new Promise((r) => other.once("exit", r));
    await new Promise((r) => setTimeout(r, 200));
    setTimeout(() => fakeRuntime(join(cache, "bin"), version), 300);
    const lines: string[] = [];
    const b = await resolveDaprBinaries({ env, onProgress: (l) => lines.push(l) });
    expect(b.daprd).toBe(join(cache, "bin", "daprd"));
    expect(lines.join("\n")).toMatch(/another build of Dapr .* is running/);
    await otherDone;
  });

  it("without binaries and without Go, fails saying exactly what to install", async () => {
    fakeRuntime(join(dir, "home", ".dapr", "bin"), "1.0.0");
    const lines: string[] = [];
    const err = await resolveDaprBinaries({ env, onProgress: (l) => lines.push(l) }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/Go >= 1\.26\.6/);
    expect(err?.message).toContain(`dapr init --slim --runtime-version ${version}`);
    expect(lines.join("\n")).toContain("Go is not installed");
  });
});
