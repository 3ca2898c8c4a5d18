import { SpanStatusCode, trace } from "@opentelemetry/api";
import {
  AgentRun,
  AgentTask,
  agentTaskActorId,
  agentTaskType,
  type ActorClient,
  type Json,
  type StartTaskInput,
  type TaskEventType,
  type TaskOutcome,
} from "@troupe/actor-interfaces";
import type { ActorLogger } from "@troupe/actor-runtime";
import { untilAborted } from "./abort.ts";
import type { AnyAgent } from "./agent.ts";
import { createContext, type AgentContext, type TaskScope } from "./context.ts";
import { AgentConfigError, AgentError, errorToJson } from "./errors.ts";
import type { AgentHost } from "./host.ts";

export interface TaskRun {
  actors: ActorClient;
  log: ActorLogger;
  actorId: string;
  request: StartTaskInput;
  controller: AbortController;
}

/**
 * Executes one task outside any actor turn. Contract, in this order:
 * started event → onStarted → execute (unless cancelled by then) → onStopped → every child the task
 * started has ended (stragglers are cancelled) → the task's state is removed → the terminal event → the
 * parent hears the outcome. So a parent's terminal event always follows its children's, and when a caller
 * sees a task end, no state of it or of its descendants remains.
 */
export function runTask(host: AgentHost, task: TaskRun): Promise<void> {
  const { request } = task;
  // One span per task, active while it runs: the children's Start calls carry it, so a run is one trace
  // and each task's span is an ancestor of its children's, on whichever host they run.
  return trace.getTracer("@troupe/agents").startActiveSpan(
    `agent.task ${request.agent}`,
    {
      attributes: {
        "troupe.agent.name": request.agent,
        "troupe.agent.run_id": request.runId,
        "troupe.agent.task_id": request.taskId,
        "troupe.agent.path": request.path.join("/"),
      },
    },
    // Ended just before the terminal event, so a caller who saw a run end finds every task span ended.
    (span) =>
      executeTask(host, task, (outcome) => {
        span.setAttribute(
          "troupe.agent.outcome",
          outcome.ok ? "completed" : outcome.cancelled ? "cancelled" : "failed",
        );
        if (!outcome.ok && !outcome.cancelled) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
        }
        span.end();
      }),
  );
}

async function executeTask(
  host: AgentHost,
  task: TaskRun,
  ended: (outcome: TaskOutcome) => void,
): Promise<void> {
  const { request, actors, log, actorId, controller } = task;
  const signal = controller.signal;
  let chain: Promise<unknown> = Promise.resolve();
  let emitFailed = false;
  const emit = (type: TaskEventType, data: Json): Promise<void> => {
    const event = {
      type,
      runId: request.runId,
      taskId: request.taskId,
      parentTaskId: request.parentTaskId,
      path: request.path,
      agent: request.agent,
      data,
      timestamp: new Date().toISOString(),
    };
    const next = chain.then(() => actors.actor(AgentRun, request.runId).Append({ events: [event] }));
    chain = next.catch((err: unknown) => {
      if (!emitFailed) log.error({ err, actorId, type }, "agent task could not record an event");
      emitFailed = true;
    });
    return chain.then(() => undefined);
  };
  const parent =
    request.parentTaskId === null
      ? undefined
      : actors.actor(
          agentTaskType(request.parentTaskType ?? AgentTask.name),
          agentTaskActorId(request.runId, request.parentTaskId),
        );

  const scope: TaskScope = { host, actors, log, actorId, request, signal, emit };
  const { ctx, endChildren } = createContext(scope);
  let agent: AnyAgent | undefined;
  let outcome: TaskOutcome;
  try {
    agent = host.catalog.get(request.agent);
    await emit("task_started", { input: request.input });
    if (!agent) throw new AgentConfigError(`unknown agent "${request.agent}"`);
    const hooks = agent;
    await untilAborted(
      signal,
      Promise.resolve().then(() => hooks.onStarted?.(ctx)),
    );
    signal.throwIfAborted();
    const output = await untilAborted(
      signal,
      execute(agent, request.input, ctx, signal, async (chunk) => {
        await emit("task_chunk", chunk);
        if (request.forwardChunks) await parent?.ChildChunk({ childTaskId: request.taskId, chunk });
      }),
    );
    outcome = { ok: true, output: output ?? null };
  } catch (err) {
    outcome = {
      ok: false,
      error: errorToJson(signal.aborted ? signal.reason : err),
      cancelled: signal.aborted,
    };
    if (!signal.aborted && !(err instanceof AgentError)) {
      log.error({ err, actorId, agent: request.agent }, "agent failed");
    }
  }
  try {
    await agent?.onStopped?.(ctx);
  } catch (err) {
    log.error({ err, actorId, agent: request.agent }, "agent onStopped failed");
  }
  let spanEnded = false;
  try {
    await endChildren();
    await chain;
    host.running.delete(actorId);
    await actors.actor(agentTaskType(host.taskType), actorId).Finish({});
    ended(outcome);
    spanEnded = true;
    if (outcome.ok) await emit("task_completed", { output: outcome.output });
    else await emit(outcome.cancelled ? "task_cancelled" : "task_failed", { error: outcome.error });
    await parent?.ChildSettled({ childTaskId: request.taskId, outcome });
  } catch (err) {
    log.error({ err, actorId }, "agent task could not report its end");
  } finally {
    host.running.delete(actorId);
    if (!spanEnded) ended(outcome);
  }
}

async function execute(
  agent: AnyAgent,
  input: Json,
  ctx: AgentContext,
  signal: AbortSignal,
  onChunk: (chunk: Json) => Promise<void>,
): Promise<Json> {
  const result: unknown = agent.execute(input, ctx);
  if (!isAsyncGenerator(result)) return (await result) as Json;
  const chunks: Json[] = [];
  try {
    for (;;) {
      const step = await untilAborted(signal, result.next());
      if (step.done) return step.value !== undefined ? (step.value as Json) : chunks;
      chunks.push(step.value);
      await onChunk(step.value);
    }
  } finally {
    if (signal.aborted) void result.return(undefined).catch(() => undefined);
  }
}

function isAsyncGenerator(value: unknown): value is AsyncGenerator<Json, unknown, undefined> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { next?: unknown }).next === "function" &&
    Symbol.asyncIterator in value
  );
}
