import { actorType, type ActorType, type Json } from "./actor-type.ts";

/**
 * The agent layer's actors (hosted by @troupe/agents). Names are compatible with everything-is-an-actor's
 * task events, in camelCase.
 *
 * AgentTask: one task of a run, id `{runId}_{taskId}` (see `agentTaskActorId`). Every method is a short
 * turn; the agent itself runs in the host outside any turn, so `Cancel` and the children's reports answer
 * while it works. AgentRun: a run's event log, id = run id, with a per-run sequence.
 */
export type TaskEventType =
  "task_started" | "task_progress" | "task_chunk" | "task_completed" | "task_failed" | "task_cancelled";

export type TaskEvent = {
  type: TaskEventType;
  runId: string;
  taskId: string;
  /** null for the run's root task. */
  parentTaskId: string | null;
  /** Agent names from the root to this task. */
  path: string[];
  agent: string;
  data: Json;
  /** ISO 8601. */
  timestamp: string;
  /** Per run, from 1, gap-free. */
  seq: number;
};

/** How a failure travels between tasks: enough to rebuild a typed error on the other side. */
export type TaskErrorJson = { name: string; message: string };

export type TaskOutcome =
  { ok: true; output: Json } | { ok: false; error: TaskErrorJson; cancelled: boolean };

export type StartTaskInput = {
  runId: string;
  taskId: string;
  parentTaskId: string | null;
  path: string[];
  agent: string;
  input: Json;
  /** Forward each chunk to the parent task (ChildChunk) as well as to the run log. */
  forwardChunks?: boolean;
  /** The actor type of the parent's task (a service hosting agents has its own); default `AgentTask`. */
  parentTaskType?: string;
};

export interface AgentTaskApi {
  /** Starts the task once; a second Start of the same id answers `{started: false}`. */
  Start(input: StartTaskInput): Promise<{ started: boolean }>;
  /** Aborts the task's signal; `{cancelled: false}` when it is not running here. */
  Cancel(input: { reason: string }): Promise<{ cancelled: boolean }>;
  /** Internal: a child task reports its outcome to its parent. */
  ChildSettled(input: { childTaskId: string; outcome: TaskOutcome }): Promise<{ accepted: boolean }>;
  /** Internal: a child task forwards one chunk, in order, to a parent that streams it. */
  ChildChunk(input: { childTaskId: string; chunk: Json }): Promise<{ accepted: boolean }>;
  /** Internal: the task's runner removes the task's state when the task ends. */
  Finish(input: Record<string, never>): Promise<{ finished: boolean }>;
}

/**
 * A task actor type. Each service hosting agents registers its own (Dapr hosts an actor type in one app),
 * all with this contract; `AgentTask` is the default one.
 */
export function agentTaskType(name: string): ActorType<AgentTaskApi> {
  return actorType<AgentTaskApi>()(name, {
    Start: true,
    Cancel: true,
    ChildSettled: true,
    ChildChunk: true,
    Finish: true,
  });
}

export const AgentTask = agentTaskType("AgentTask");

export type NewTaskEvent = Omit<TaskEvent, "seq">;

export interface AgentRunApi {
  /** Appends events in order and numbers them; answers the last sequence number. */
  Append(input: { events: NewTaskEvent[] }): Promise<{ lastSeq: number }>;
  /** Events with `seq > after` (default 0), oldest first, at most `limit` (default 500). */
  GetEvents(input: { after?: number; limit?: number }): Promise<{ events: TaskEvent[] }>;
}

export const AgentRun = actorType<AgentRunApi>()("AgentRun", { Append: true, GetEvents: true });

/** The AgentTask actor id of a task: URL-safe when run and task ids are (letters, digits, `-`, `.`). */
export function agentTaskActorId(runId: string, taskId: string): string {
  return `${runId}_${taskId}`;
}
