import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTools, repoRoot, run, tool } from "./support/tools.ts";

interface Manifest {
  Name: string;
  ImageTargets?: unknown[];
  ResourceDependencies?: string[];
  Labels?: Record<string, string>;
}

const services = ["chat-service", "agent-memory-service", "tool-service"];

// Tilt's own offline check: `tilt alpha tiltfile-result` executes the Tiltfile (Starlark, helm(), docker_build
// registration, live-update rules) and prints the result as JSON; exit 0 = OK, 5 = Tiltfile error. No cluster and
// no Docker are needed: KUBECONFIG points nowhere, and the Tiltfile only creates the Kind cluster on `tilt up`.
describe("Tiltfile", () => {
  const home = mkdtempSync(path.join(tmpdir(), "troupe-tilt-"));
  let unavailable: string | undefined;
  let manifests: Manifest[] = [];
  let raw = "";

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  beforeAll(async () => {
    await ensureTools("helm");
    try {
      await ensureTools("tilt");
    } catch (err) {
      unavailable = `tilt could not be built from the Go module proxy: ${(err as Error).message}`;
      return;
    }
    const result = await run(tool("tilt"), ["alpha", "tiltfile-result", "-f", "Tiltfile"], {
      cwd: repoRoot,
      env: { HOME: home, KUBECONFIG: path.join(home, "no-kubeconfig"), TILT_DISABLE_ANALYTICS: "1" },
      timeoutMs: 300_000,
    });
    expect(result.code, result.stderr.slice(-4000)).toBe(0);
    raw = result.stdout;
    manifests = (JSON.parse(raw) as { Manifests: Manifest[] }).Manifests;
  }, 3_600_000);

  it("evaluates with exit 0 and declares one resource per service, grouped by labels", (ctx) => {
    if (unavailable) {
      process.stderr.write(`SKIPPED: ${unavailable}\n`);
      ctx.skip(unavailable);
    }
    const byName = new Map(manifests.map((m) => [m.Name, m]));
    for (const name of services) {
      const m = byName.get(name);
      expect(m, `no Tilt resource ${name}`).toBeDefined();
      expect(Object.keys(m!.Labels ?? {})).toEqual([name]);
      expect(m!.ResourceDependencies).toEqual(expect.arrayContaining(["dapr-resources", "troupe-redis"]));
      expect(m!.ImageTargets).toHaveLength(1);
    }
    for (const name of [
      "dapr-control-plane",
      "dapr-resources",
      "troupe-redis",
      "troupe-jaeger",
      "troupe-otel-collector",
      "troupe-prometheus",
      "troupe-grafana",
    ]) {
      expect(byName.has(name), `no Tilt resource ${name}`).toBe(true);
    }
    expect(byName.get("dapr-resources")?.ResourceDependencies).toEqual(["dapr-control-plane"]);
    // Nothing left unassigned in Tilt's "uncategorized" bucket.
    expect(byName.has("uncategorized")).toBe(false);
  });

  it("reports a broken Tiltfile with exit code 5 (the check can fail)", async (ctx) => {
    if (unavailable) {
      process.stderr.write(`SKIPPED: ${unavailable}\n`);
      ctx.skip(unavailable);
    }
    const broken = path.join(home, "Tiltfile");
    writeFileSync(broken, "k8s_resource('no-such-workload', port_forwards=['8010:8010'])\n");
    const result = await run(tool("tilt"), ["alpha", "tiltfile-result", "-f", broken], {
      cwd: home,
      env: { HOME: home, KUBECONFIG: path.join(home, "no-kubeconfig"), TILT_DISABLE_ANALYTICS: "1" },
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("no-such-workload");
  });

  it("builds the dev image per service with live update of the app's and the packages' src/", (ctx) => {
    if (unavailable) {
      process.stderr.write(`SKIPPED: ${unavailable}\n`);
      ctx.skip(unavailable);
    }
    for (const name of services) {
      const target = JSON.stringify(manifests.find((m) => m.Name === name)?.ImageTargets);
      expect(target).toContain(`localhost:5001/troupe/${name}`);
      expect(target).toContain(`/repo/apps/${name}/src`);
      expect(target).toContain("/repo/packages/service-kit/src");
      expect(target).toContain('"dev"');
    }
    expect(raw).toContain("16686");
    for (const port of ["8010", "8001", "8020"]) expect(raw).toContain(port);
  });
});
