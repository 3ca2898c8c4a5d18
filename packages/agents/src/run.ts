import { randomUUID } from "node:crypto";
import {
  AgentRun,
  AgentTask,
  agentTaskActorId,
  type ActorClient,
  type ActorType,
  type AgentTaskApi,
  type Json,
  type TaskEvent,
} from "@troupe/actor-interfaces";
import type { AnyAgent, InputOf, OutputOf } from "./agent.ts";
import { errorFromJson } from "./errors.ts";
import type { AgentHost } from "./host.ts";
import type { TaskErrorJson } from "@troupe/actor-interfaces";

/** The root task of every run has this task id. */
export const ROOT_TASK_ID = "0";

export interface AgentRunHandle<O> {
  runId: string;
  /** Every event of the run in sequence order, from the first; ends after the root task's terminal event. */
  events: AsyncIterable<TaskEvent>;
  /** The root agent's output; rejects with the root's typed error (AgentCancelledError when aborted). */
  result: Promise<O>;
}

export interface AgentRunnerOptions {
  /**
   * Wakes readers when the run's AgentRun actor is hosted in this process (others poll), and names the
   * task type of agents hosted by other services. Without it every root runs on `AgentTask`.
   */
  host?: AgentHost;
  /** Milliseconds between polls of the run's log when no wake-up arrives. Default 100. */
  pollMs?: number;
}

/** Starts and aborts runs from outside any actor (a service, a test). */
export class AgentRunner {
  constructor(
    private readonly actors: ActorClient,
    private readonly options: AgentRunnerOptions = {},
  ) {}

  run<A extends AnyAgent>(
    agent: A,
    input: InputOf<A>,
    options: { runId?: string } = {},
  ): AgentRunHandle<OutputOf<A>> {
    const runId = options.runId ?? randomUUID();
    const started = this.actors
      .actor(this.taskTypeFor(agent.name), agentTaskActorId(runId, ROOT_TASK_ID))
      .Start({
        runId,
        taskId: ROOT_TASK_ID,
        parentTaskId: null,
        path: [agent.name],
        agent: agent.name,
        input: input,
      });
    const watch = new RunWatch(this.actors, runId, agent.name, this.options);
    void watch.follow(started);
    watch.result.catch(() => undefined);
    return { runId, events: watch, result: watch.result as Promise<OutputOf<A>> };
  }

  /** Cancels the run's root task, which cancels its children in turn. False when it is not running. */
  async abort(runId: string): Promise<boolean> {
    // The root's agent (and so its task type) is the first event of the run.
    const { events } = await this.actors.actor(AgentRun, runId).GetEvents({ limit: 1 });
    const agent = events[0]?.agent;
    if (agent === undefined) return false;
    const root = this.actors.actor(this.taskTypeFor(agent), agentTaskActorId(runId, ROOT_TASK_ID));
    return (await root.Cancel({ reason: "run aborted" })).cancelled;
  }

  private taskTypeFor(agent: string): ActorType<AgentTaskApi> {
    return this.options.host?.taskTypeFor(agent) ?? AgentTask;
  }
}

/** Reads a run's log until the root task ends; replays the buffer to every iterator. */
class RunWatch implements AsyncIterable<TaskEvent> {
  readonly result: Promise<Json>;
  private readonly buffer: TaskEvent[] = [];
  private done = false;
  private failure: Error | undefined;
  private readonly waiters = new Set<() => void>();
  private settle!: { resolve(value: Json): void; reject(err: unknown): void };

  constructor(
    private readonly actors: ActorClient,
    private readonly runId: string,
    private readonly rootAgent: string,
    private readonly options: AgentRunnerOptions,
  ) {
    this.result = new Promise<Json>((resolve, reject) => (this.settle = { resolve, reject }));
  }

  async follow(started: Promise<unknown>): Promise<void> {
    let wake: (() => void) | undefined;
    let wakes = 0;
    const off = this.options.host?.onRunEvents(this.runId, () => {
      wakes += 1;
      wake?.();
    });
    try {
      await started;
      const log = this.actors.actor(AgentRun, this.runId);
      for (;;) {
        const seen = wakes;
        const after = this.buffer.at(-1)?.seq ?? 0;
        const { events } = await log.GetEvents({ after });
        for (const event of events) this.push(event);
        const end = events.find((e) => e.parentTaskId === null && isTerminal(e));
        if (end) return this.finish(end);
        if (events.length > 0 || wakes !== seen) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs ?? 100);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      this.settle.reject(err);
    } finally {
      off?.();
      this.done = true;
      this.wakeAll();
    }
  }

  private finish(end: TaskEvent): void {
    if (end.type === "task_completed") {
      this.settle.resolve((end.data as { output: Json }).output);
    } else {
      const { error } = end.data as { error: TaskErrorJson };
      this.settle.reject(errorFromJson(this.rootAgent, error, end.type === "task_cancelled"));
    }
  }

  private push(event: TaskEvent): void {
    this.buffer.push(event);
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TaskEvent> {
    let i = 0;
    for (;;) {
      while (i < this.buffer.length) yield this.buffer[i++] as TaskEvent;
      if (this.done) break;
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
  }
}

function isTerminal(event: TaskEvent): boolean {
  return event.type === "task_completed" || event.type === "task_failed" || event.type === "task_cancelled";
}
