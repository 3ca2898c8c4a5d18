import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { waitForRedis } from "./health.ts";
import type { ManagedProcess, Supervisor } from "./supervisor.ts";

export const REDIS_MISSING =
  "redis-server was not found on PATH. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server); " +
  "the launcher starts its own private instance, the system service need not run.";

/** Finds an executable on a PATH string, or undefined. */
export function which(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * redis-server arguments: loopback only, files in a private dir, and an append-only file so that a Redis
 * killed and restarted keeps every acknowledged write (Redis writes the AOF before it replies; `everysec`
 * fsyncs once a second, which only a crash of the whole machine could cut short).
 */
export function redisArgs(port: number, dir: string): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--protected-mode",
    "yes",
    "--save",
    "",
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--dir",
    dir,
    "--daemonize",
    "no",
    "--logfile",
    "",
  ];
}

/** Starts a private redis-server under `sup` and waits until it answers PING. */
export async function startRedis(
  sup: Supervisor,
  opts: { port: number; dir: string; env: Record<string, string | undefined>; name?: string },
): Promise<ManagedProcess> {
  const bin = which("redis-server", opts.env["PATH"]);
  if (bin === undefined) throw new Error(REDIS_MISSING);
  const proc = sup.start(opts.name ?? "redis", bin, redisArgs(opts.port, opts.dir), {
    env: opts.env,
    cwd: opts.dir,
  });
  await waitForRedis(opts.port, { process: proc, timeoutMs: 20_000 });
  return proc;
}
