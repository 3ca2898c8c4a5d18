import {
  AgentTask,
  agentTaskType,
  type ActorType,
  type AgentTaskApi,
  type Json,
  type TaskOutcome,
} from "@troupe/actor-interfaces";
import type { AnyAgent } from "./agent.ts";
import { AgentCatalog } from "./agent.ts";

/** How a waiting parent hears from one child task (registered before the child is started). */
export interface ChildWaiter {
  settle(outcome: TaskOutcome): void;
  chunk?(chunk: Json): void;
}

export interface AgentHostOptions {
  /** Milliseconds a parent waits for one child before cancelling it. Default 30 000. */
  defaultTimeoutMs?: number;
  /**
   * Milliseconds a parent waits for a cancelled child to report that it ended, before giving up on it (its
   * host may be gone). Default 10 000.
   */
  cancelGraceMs?: number;
  /** The task actor type this host registers. Default `AgentTask`. */
  taskType?: string;
  /**
   * Agents hosted by other services: agent name → the task actor type that service registers. Agents not
   * named here run on this host's task type.
   */
  remoteAgents?: Readonly<Record<string, string>>;
}

/**
 * What one process keeps for the agent tasks it hosts. Task ids route every actor call to the host of the
 * task's actor, so these maps only ever need the entries of actors placed here:
 * - `running`: the abort controller of each task executing here (by AgentTask actor id), for `Cancel`;
 * - `waiting`: each child a parent task here awaits (by `{parentActorId}/{childTaskId}`), for the child's
 *   `ChildSettled` and `ChildChunk` reports;
 * - run listeners: wake-ups for readers of a run's events when its AgentRun actor lives here too (readers
 *   elsewhere poll).
 */
export class AgentHost {
  readonly catalog: AgentCatalog;
  readonly defaultTimeoutMs: number;
  readonly cancelGraceMs: number;
  readonly taskType: string;
  private readonly remoteAgents: Readonly<Record<string, string>>;
  readonly running = new Map<string, AbortController>();
  readonly waiting = new Map<string, ChildWaiter>();
  private readonly runListeners = new Map<string, Set<() => void>>();

  constructor(catalog: AgentCatalog | readonly AnyAgent[], options: AgentHostOptions = {}) {
    this.catalog = catalog instanceof AgentCatalog ? catalog : new AgentCatalog(catalog);
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 10_000;
    this.taskType = options.taskType ?? AgentTask.name;
    this.remoteAgents = options.remoteAgents ?? {};
  }

  /** The task actor type that runs `agent`. */
  taskTypeFor(agent: string): ActorType<AgentTaskApi> {
    return agentTaskType(this.remoteAgents[agent] ?? this.taskType);
  }

  onRunEvents(runId: string, listener: () => void): () => void {
    let set = this.runListeners.get(runId);
    if (!set) this.runListeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.runListeners.delete(runId);
    };
  }

  notifyRun(runId: string): void {
    for (const listener of this.runListeners.get(runId) ?? []) listener();
  }
}

export function waiterKey(parentActorId: string, childTaskId: string): string {
  return `${parentActorId}/${childTaskId}`;
}
