import { connect } from "node:net";
import type { ManagedProcess } from "./supervisor.ts";

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Stop waiting at once (with its last log lines) if this process exits. */
  process?: ManagedProcess;
}

export class HealthTimeoutError extends Error {
  override readonly name = "HealthTimeoutError";
}

/**
 * Polls `url` until it answers with an accepted status (default: any 2xx). daprd's `/v1.0/healthz`
 * answers 204 once the sidecar is fully initialised; placement and scheduler `/healthz` answer 200.
 */
export async function waitForHttp(
  url: string,
  opts: WaitOptions & { accept?: (status: number) => boolean } = {},
): Promise<void> {
  const accept = opts.accept ?? ((s) => s >= 200 && s < 300);
  let last = "no answer yet";
  await poll(
    `${url}`,
    opts,
    async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel();
        last = `HTTP ${res.status}`;
        return accept(res.status);
      } catch (e) {
        last = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
        return false;
      }
    },
    () => last,
  );
}

/** Polls until a Redis server on 127.0.0.1:`port` answers PING with PONG. */
export async function waitForRedis(port: number, opts: WaitOptions = {}): Promise<void> {
  await poll(
    `redis on 127.0.0.1:${port}`,
    opts,
    () => redisPing(port),
    () => "no PONG",
  );
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let data = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      data += d.toString();
      if (data.includes("\r\n")) done(data.startsWith("+PONG"));
    });
  });
}

async function poll(
  what: string,
  opts: WaitOptions,
  check: () => Promise<boolean>,
  lastState: () => string,
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const interval = opts.intervalMs ?? 200;
  for (;;) {
    if (await check()) return;
    const p = opts.process;
    if (p !== undefined && !p.alive()) {
      const info = await p.exited;
      throw new Error(
        `${p.name} exited (code ${info.code}, signal ${info.signal}) while waiting for ${what}; last lines:\n` +
          p.tail().slice(-20).join("\n"),
      );
    }
    if (Date.now() > deadline) {
      const tail = p === undefined ? "" : `; last lines of ${p.name}:\n${p.tail().slice(-20).join("\n")}`;
      throw new HealthTimeoutError(`timed out waiting for ${what} (${lastState()})${tail}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` right now. */
export function tcpOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      resolve(false);
    });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Waits until daprd on `daprHttpPort` has registered the actor types the app on `appPort` hosts (its
 * `/dapr/config` entities) with placement. An app that was restarted behind a running sidecar is healthy a
 * few seconds before daprd probes it and registers its types again; daprd 1.18 can stall an actor call made
 * in that window for as long as its caller waits, so callers (tests, benchmarks) wait for this first.
 */
export async function waitForActorTypes(
  daprHttpPort: number,
  appPort: number,
  opts: WaitOptions = {},
): Promise<void> {
  let last = "no answer yet";
  let types: string[] | undefined;
  await poll(
    `actor types of the app on ${appPort} registered by daprd on ${daprHttpPort}`,
    opts,
    async () => {
      try {
        types ??= await hostedTypes(appPort);
        const meta = (await (
          await fetch(`http://127.0.0.1:${daprHttpPort}/v1.0/metadata`, {
            signal: AbortSignal.timeout(2_000),
          })
        ).json()) as { actorRuntime?: { hostReady?: boolean; activeActors?: { type: string }[] } };
        const registered = new Set(meta.actorRuntime?.activeActors?.map((a) => a.type));
        last = `registered: ${[...registered].join(", ") || "none"}; hosted: ${types.join(", ")}`;
        return meta.actorRuntime?.hostReady === true && types.every((t) => registered.has(t));
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
        return false;
      }
    },
    () => last,
  );
}

async function hostedTypes(appPort: number): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${appPort}/dapr/config`, {
    signal: AbortSignal.timeout(2_000),
  });
  if (response.status === 404) return [];
  const config = (await response.json()) as { entities?: string[] };
  return config.entities ?? [];
}
