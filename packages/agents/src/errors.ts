import type { TaskErrorJson } from "@troupe/actor-interfaces";

/**
 * Expected failures of the agent layer. Each crosses task boundaries as `{name, message}` and is rebuilt
 * as the same class on the parent's side (see `errorFromJson`), so a caller can branch on the type.
 */
export class AgentError extends Error {
  override readonly name: string = "AgentError";
}

/** A primitive was called with arguments it cannot honour (no children, n out of range, unknown agent). */
export class AgentConfigError extends AgentError {
  override readonly name: string = "AgentConfigError";
}

/** The task was cancelled: its run was aborted, a sibling won a race, or a sibling failed first. */
export class AgentCancelledError extends AgentError {
  override readonly name: string = "AgentCancelledError";
}

/** A child did not finish within its call's timeout (it is cancelled). */
export class AgentTimeoutError extends AgentError {
  override readonly name: string = "AgentTimeoutError";
}

/** A child task failed; `errorName` is the name of the error the child's agent threw. */
export class AgentFailedError extends AgentError {
  override readonly name: string = "AgentFailedError";
  constructor(
    readonly agent: string,
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

/** Every child of a race failed; `errors` holds each child's error in the order the children were given. */
export class RaceFailedError extends AgentError {
  override readonly name: string = "RaceFailedError";
  constructor(readonly errors: readonly Error[]) {
    super(`race failed: all ${errors.length} children failed: ${errors.map((e) => e.message).join("; ")}`);
  }
}

/** Fewer than `required` children of `atLeast` succeeded. */
export class QuorumFailedError extends AgentError {
  override readonly name: string = "QuorumFailedError";
  constructor(
    readonly required: number,
    readonly errors: readonly Error[],
    succeeded: number,
  ) {
    super(`Quorum failed: ${succeeded} of ${required} required children succeeded`);
  }
}

export function errorToJson(error: unknown): TaskErrorJson {
  if (error instanceof AgentFailedError) return { name: error.errorName, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** Rebuilds a child's failure as a typed error in the parent. */
export function errorFromJson(agent: string, error: TaskErrorJson, cancelled: boolean): AgentError {
  if (cancelled) return new AgentCancelledError(error.message);
  if (error.name === "AgentTimeoutError") return new AgentTimeoutError(error.message);
  return new AgentFailedError(agent, error.name, error.message);
}
