import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Supervisor, type ExitInfo } from "../src/supervisor.ts";

/** Process supervision with plain shell processes (no Dapr needed). */
let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.stopAll(1_000);
});

/** Alive and not a zombie (an orphan killed in a container may wait for a reaper that never comes). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

const sh = (script: string) => ["-c", script] as const;

describe("Supervisor", () => {
  it("prefixes every output line with the process name", async () => {
    const lines: string[] = [];
    sup = new Supervisor({ sink: (l) => lines.push(l) });
    const p = sup.start("echo", "/bin/sh", sh("echo one; echo two >&2"), { env: {} });
    await p.exited;
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.sort()).toEqual(["[echo] one", "[echo] two"]);
    expect(p.tail().sort()).toEqual(["one", "two"]);
  });

  it("reports a child that exits on its own, but not one it stops", async () => {
    const exits: Array<[string, ExitInfo]> = [];
    sup = new Supervisor({ sink: () => {}, onUnexpectedExit: (name, info) => exits.push([name, info]) });
    const crash = sup.start("crash", "/bin/sh", sh("sleep 0.2; exit 3"), { env: {} });
    sup.start("long", "/bin/sh", sh("sleep 30"), { env: {} });
    await crash.exited;
    await sup.stop("long");
    await new Promise((r) => setTimeout(r, 50));
    expect(exits).toEqual([["crash", { code: 3, signal: null }]]);
  });

  it("escalates to SIGKILL when SIGTERM is ignored, and kills the child's own children too", async () => {
    sup = new Supervisor({ sink: () => {} });
    const p = sup.start("stubborn", "/bin/sh", sh("trap '' TERM; sleep 30 & echo $!; wait"), { env: {} });
    await new Promise((r) => setTimeout(r, 300));
    const grandchild = Number(p.tail()[0]);
    expect(grandchild).toBeGreaterThan(0);
    const started = Date.now();
    await sup.stop("stubborn", 500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect((await p.exited).signal).toBe("SIGKILL");
    await new Promise((r) => setTimeout(r, 100));
    expect(isRunning(grandchild)).toBe(false);
  });
});
