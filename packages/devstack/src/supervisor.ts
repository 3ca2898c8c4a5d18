import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** Where prefixed log lines go (`[daprd:chat-service] ...`). */
export type LogSink = (line: string) => void;

export const stderrSink: LogSink = (line) => process.stderr.write(`${line}\n`);
export const quietSink: LogSink = () => {};

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited (for any reason). */
  readonly exited: Promise<ExitInfo>;
  /** Whether it is still running. */
  alive(): boolean;
  /** The last lines it printed (kept for error messages). */
  tail(): string[];
}

export interface SpawnOptions {
  env: Record<string, string | undefined>;
  cwd?: string;
}

/** Every child of every supervisor in this process, killed synchronously if Node exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of live) killGroup(c, "SIGKILL");
  });
}

/** Children run in their own process group, so a wrapper (e.g. a shell) and its children die together. */
function killGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  if (c.pid === undefined) return;
  try {
    process.kill(-c.pid, signal);
  } catch {
    try {
      c.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Starts child processes with prefixed, streamed logs and stops them in reverse start order (SIGTERM, then
 * SIGKILL after a grace period). A child that exits while not being stopped is reported to
 * `onUnexpectedExit`; the stack launcher then stops everything, tests fail with the child's last lines.
 */
export class Supervisor {
  private readonly children = new Map<
    string,
    { proc: ChildProcess; managed: ManagedProcess; stopping: boolean }
  >();
  private readonly sink: LogSink;
  private readonly onUnexpectedExit: (name: string, info: ExitInfo, tail: string[]) => void;
  private readonly tailLines: number;

  constructor(
    opts: {
      sink?: LogSink;
      onUnexpectedExit?: (name: string, info: ExitInfo, tail: string[]) => void;
      tailLines?: number;
    } = {},
  ) {
    this.sink = opts.sink ?? stderrSink;
    this.onUnexpectedExit = opts.onUnexpectedExit ?? (() => {});
    this.tailLines = opts.tailLines ?? 60;
    installExitHook();
  }

  start(name: string, command: string, args: readonly string[], opts: SpawnOptions): ManagedProcess {
    if (this.children.get(name)?.managed.alive()) throw new Error(`${name} is already running`);
    const proc = spawn(command, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group: Ctrl-C reaches only the launcher, which stops children in order
    });
    const lines: string[] = [];
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length > this.tailLines) lines.shift();
      this.sink(`[${name}] ${line}`);
    };
    createInterface({ input: proc.stdout }).on("line", onLine);
    createInterface({ input: proc.stderr }).on("line", onLine);
    live.add(proc);
    let running = true;
    const exited = new Promise<ExitInfo>((resolve) => {
      proc.once("error", (err) => {
        onLine(`failed to start ${command}: ${err.message}`);
        running = false;
        live.delete(proc);
        resolve({ code: 127, signal: null });
      });
      proc.once("exit", (code, signal) => {
        running = false;
        live.delete(proc);
        resolve({ code, signal });
      });
    });
    const managed: ManagedProcess = {
      name,
      pid: proc.pid ?? -1,
      exited,
      alive: () => running,
      tail: () => [...lines],
    };
    const entry = { proc, managed, stopping: false };
    this.children.set(name, entry);
    void exited.then((info) => {
      if (!entry.stopping) this.onUnexpectedExit(name, info, managed.tail());
    });
    return managed;
  }

  get(name: string): ManagedProcess | undefined {
    return this.children.get(name)?.managed;
  }

  names(): string[] {
    return [...this.children.keys()];
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(name: string, graceMs = 10_000): Promise<void> {
    const entry = this.children.get(name);
    if (entry === undefined) return;
    entry.stopping = true;
    if (entry.managed.alive()) {
      killGroup(entry.proc, "SIGTERM");
      const timer = setTimeout(() => killGroup(entry.proc, "SIGKILL"), graceMs);
      await entry.managed.exited;
      clearTimeout(timer);
    }
    // Also reap anything left in the group (a wrapper's children).
    killGroup(entry.proc, "SIGKILL");
    this.children.delete(name);
  }

  /** Stops every child, most recently started first. Never throws. */
  async stopAll(graceMs = 10_000): Promise<void> {
    for (const name of [...this.children.keys()].reverse()) {
      await this.stop(name, graceMs).catch(() => {});
    }
  }
}
