import {
  agentTaskActorId,
  type ActorClient,
  type Json,
  type StartTaskInput,
  type TaskEventType,
  type TaskOutcome,
} from "@troupe/actor-interfaces";
import type { ActorLogger } from "@troupe/actor-runtime";
import { abortedPromise, deferred, reasonOf } from "./abort.ts";
import type { AnyAgent, InputOf, OutputOf } from "./agent.ts";
import { AgentCancelledError, AgentTimeoutError, errorFromJson } from "./errors.ts";
import { waiterKey, type AgentHost } from "./host.ts";
import { createPrimitives, type Primitives } from "./primitives.ts";

export interface CallOptions {
  /** Milliseconds before the child is cancelled and the call fails with AgentTimeoutError. */
  timeoutMs?: number;
}

/** What `execute` and the hooks receive. Primitives are compatible with everything-is-an-actor's names. */
export interface AgentContext extends Primitives {
  readonly runId: string;
  readonly taskId: string;
  readonly agent: string;
  /** Agent names from the root task to this one. */
  readonly path: readonly string[];
  /** Aborted when the run is aborted, the parent cancels this task, or the parent's call times out. */
  readonly signal: AbortSignal;
  readonly log: ActorLogger;
  /** Records a `task_progress` event; resolves once it is in the run's log. */
  progress(data: Json): Promise<void>;
  /** Runs `agent` as a child task and resolves with its output; failures arrive as typed AgentErrors. */
  ask<A extends AnyAgent>(agent: A, input: InputOf<A>, options?: CallOptions): Promise<OutputOf<A>>;
}

/** The runner's view of a task, shared with its context. */
export interface TaskScope {
  host: AgentHost;
  actors: ActorClient;
  log: ActorLogger;
  actorId: string;
  request: StartTaskInput;
  signal: AbortSignal;
  emit(type: TaskEventType, data: Json): Promise<void>;
}

/** Starts one child task and settles with its output. Internal to the primitives. */
export type Spawn = (
  agent: AnyAgent,
  input: Json,
  options: { signal: AbortSignal; timeoutMs?: number; onChunk?: (chunk: Json) => void },
) => Promise<Json>;

/**
 * Builds a task's context. `endChildren` cancels children still running when the task's own work ended
 * (an agent that did not await a call) and resolves once every child reported its end.
 */
export function createContext(scope: TaskScope): { ctx: AgentContext; endChildren: () => Promise<void> } {
  const { host, actors, request } = scope;
  const ending = new AbortController();
  const childSignal = AbortSignal.any([scope.signal, ending.signal]);
  const children = new Set<Promise<unknown>>();
  let counter = 0;

  const spawn: Spawn = async (agent, input, options) => {
    const signal = AbortSignal.any([childSignal, options.signal]);
    // A child cancelled before its Start was sent is never started.
    if (signal.aborted) throw reasonOf(signal);
    const taskId = `${request.taskId}.${++counter}`;
    const child = actors.actor(host.taskTypeFor(agent.name), agentTaskActorId(request.runId, taskId));
    const key = waiterKey(scope.actorId, taskId);
    const settled = deferred<TaskOutcome>();
    host.waiting.set(key, {
      settle: settled.resolve,
      ...(options.onChunk ? { chunk: options.onChunk } : {}),
    });
    children.add(settled.promise);
    const timeoutMs = options.timeoutMs ?? host.defaultTimeoutMs;
    const timedOut = new AbortController();
    const timer = setTimeout(
      () => timedOut.abort(new AgentTimeoutError(`${agent.name} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const stop = AbortSignal.any([signal, timedOut.signal]);
    try {
      await child.Start({
        runId: request.runId,
        taskId,
        parentTaskId: request.taskId,
        path: [...request.path, agent.name],
        agent: agent.name,
        input,
        ...(options.onChunk ? { forwardChunks: true } : {}),
        parentTaskType: host.taskType,
      });
      const outcome = await Promise.race([settled.promise, abortedPromise(stop).catch(() => undefined)]);
      if (outcome) {
        if (outcome.ok) return outcome.output;
        throw errorFromJson(agent.name, outcome.error, outcome.cancelled);
      }
      const reason = reasonOf(stop);
      await child.Cancel({ reason: reason.message }).catch((err: unknown) => {
        scope.log.warn({ err, taskId }, "could not cancel a child task");
      });
      const grace = setTimeout(
        () => settled.resolve(cancelledOutcome("gave up waiting")),
        host.cancelGraceMs,
      );
      await settled.promise;
      clearTimeout(grace);
      throw reason instanceof AgentTimeoutError ? reason : new AgentCancelledError(reason.message);
    } finally {
      clearTimeout(timer);
      host.waiting.delete(key);
      children.delete(settled.promise);
    }
  };

  const ctx: AgentContext = {
    runId: request.runId,
    taskId: request.taskId,
    agent: request.agent,
    path: request.path,
    signal: scope.signal,
    log: scope.log,
    progress: (data) => scope.emit("task_progress", data),
    ask: async (agent, input, options) =>
      (await spawn(agent, input, { signal: childSignal, ...options })) as OutputOf<typeof agent>,
    ...createPrimitives(spawn, childSignal),
  };

  return {
    ctx,
    endChildren: async () => {
      if (children.size === 0) return;
      ending.abort(new AgentCancelledError("parent task ended"));
      await Promise.allSettled([...children]);
    },
  };
}

function cancelledOutcome(message: string): TaskOutcome {
  return { ok: false, error: { name: "AgentCancelledError", message }, cancelled: true };
}
