import { readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTools, repoRoot, run, tool } from "./support/tools.ts";

const workflowDir = path.join(repoRoot, ".github/workflows");
const workflows = readdirSync(workflowDir)
  .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
  .map((f) => path.join(".github/workflows", f));

// actionlint (built from the Go module proxy) with ShellCheck on PATH, so `run:` scripts are checked too.
describe("GitHub workflows", () => {
  beforeAll(async () => {
    await ensureTools("actionlint", "shellcheck");
  }, 3_600_000);

  it("has the deploy workflow", () => {
    expect(workflows).toContain(".github/workflows/deploy.yml");
  });

  it.each(workflows)("%s passes actionlint", async (file) => {
    const result = await run(tool("actionlint"), ["-no-color", file]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("actionlint reports a broken workflow (the check can fail)", async () => {
    const broken =
      "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
    const result = await run(tool("actionlint"), ["-no-color", "-"], { input: broken });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/matrix/);
  });

  it("deployment shell scripts pass ShellCheck", async () => {
    const scripts = ["scripts/tools.sh", "deploy/kind/create-cluster.sh", "deploy/ci/deploy.sh"];
    const result = await run(tool("shellcheck"), scripts);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
  });
});
