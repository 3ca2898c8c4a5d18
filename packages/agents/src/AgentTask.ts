/**
 * AgentTask (or the host's own task type, see `AgentHostOptions.taskType`): one task of a run, id
 * `{runId}_{taskId}`, hosting any agent of the host's catalog by name.
 * State: `task` ({runId, taskId, agent}) from Start until the task ends (success, failure or cancel), then
 * removed (Finish, called by the task's runner).
 * Peers: AgentRun (events), the parent AgentTask (ChildSettled, ChildChunk), child AgentTasks (Start,
 * Cancel).
 *
 * Every method is a short turn: the agent runs in this host outside any turn (`runDetached`), so Cancel and
 * the children's reports are served while it works.
 */
import { TroupeError, agentTaskActorId, agentTaskType } from "@troupe/actor-interfaces";
import { registration, runDetached } from "@troupe/actor-runtime";
import { AgentCancelledError } from "./errors.ts";
import { waiterKey, type AgentHost } from "./host.ts";
import { runTask } from "./runner.ts";

const TASK = "task";

/**
 * Task actors are ephemeral: nothing of a task lives in the activation (the host keeps the running task's
 * controller and waiters by actor id), so a short idle timeout drops ended tasks' activations soon, and a
 * long task deactivated mid-run is re-activated by its next call without losing anything.
 */
const TASK_IDLE_TIMEOUT = "1m";

export function agentTaskRegistration(host: AgentHost) {
  return registration(
    agentTaskType(host.taskType),
    (ctx) => ({
      async Start(request) {
        if (ctx.id !== agentTaskActorId(request.runId, request.taskId)) {
          throw new TroupeError("bad_task_id", `actor id ${ctx.id} does not match the task`, 400);
        }
        if (host.running.has(ctx.id) || (await ctx.state.get(TASK)) !== undefined) return { started: false };
        ctx.state.set(TASK, { runId: request.runId, taskId: request.taskId, agent: request.agent });
        await ctx.state.flush();
        const controller = new AbortController();
        host.running.set(ctx.id, controller);
        runDetached(() => {
          void runTask(host, { actors: ctx.actors, log: ctx.log, actorId: ctx.id, request, controller });
        });
        return { started: true };
      },

      async Cancel({ reason }) {
        const controller = host.running.get(ctx.id);
        if (!controller || controller.signal.aborted) return { cancelled: false };
        controller.abort(new AgentCancelledError(reason));
        return { cancelled: true };
      },

      async ChildSettled({ childTaskId, outcome }) {
        const waiter = host.waiting.get(waiterKey(ctx.id, childTaskId));
        waiter?.settle(outcome);
        return { accepted: waiter !== undefined };
      },

      async ChildChunk({ childTaskId, chunk }) {
        const waiter = host.waiting.get(waiterKey(ctx.id, childTaskId));
        waiter?.chunk?.(chunk);
        return { accepted: waiter?.chunk !== undefined };
      },

      async Finish() {
        const had = (await ctx.state.get(TASK)) !== undefined;
        ctx.state.delete(TASK);
        return { finished: had };
      },
    }),
    { idleTimeout: TASK_IDLE_TIMEOUT },
  );
}
