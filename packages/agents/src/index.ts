import type { ActorRegistration } from "@troupe/actor-runtime";
import { agentRunRegistration } from "./AgentRun.ts";
import { agentTaskRegistration } from "./AgentTask.ts";
import type { AgentHost } from "./host.ts";

export * from "./agent.ts";
export * from "./errors.ts";
export { AgentHost, type AgentHostOptions } from "./host.ts";
export type { AgentContext, CallOptions } from "./context.ts";
export type { Call, Primitives, Quorum, StreamItem } from "./primitives.ts";
export { AgentRunner, ROOT_TASK_ID, type AgentRunHandle, type AgentRunnerOptions } from "./run.ts";

/**
 * The actor registrations a host of agent tasks adds to its runtime: its task type, and the run log
 * (`AgentRun`) unless another service of the deployment hosts it (`runLog: false`).
 */
export function agentRegistrations(
  host: AgentHost,
  options: { runLog?: boolean } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): ActorRegistration<any>[] {
  return options.runLog === false
    ? [agentTaskRegistration(host)]
    : [agentTaskRegistration(host), agentRunRegistration(host)];
}
