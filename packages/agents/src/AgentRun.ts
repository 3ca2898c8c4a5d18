/**
 * AgentRun: a run's event log, id = run id.
 * State: `events:meta`, `events:{chunk}` (a ChunkedLog of TaskEvent, 50 a chunk as events carry outputs;
 * seq = index + 1). Kept after the run.
 * Peers: AgentTask actors append; run readers (`AgentRunner`) read.
 */
import { AgentRun, type TaskEvent } from "@troupe/actor-interfaces";
import { ChunkedLog, registration } from "@troupe/actor-runtime";
import type { AgentHost } from "./host.ts";

const EVENTS = "events";

export function agentRunRegistration(host: AgentHost) {
  return registration(AgentRun, (ctx) => {
    const log = new ChunkedLog<TaskEvent>(ctx.state, EVENTS);
    return {
      async Append({ events }) {
        const { end } = await log.meta();
        await log.append(events.map((event, i) => ({ ...event, seq: end + i + 1 })));
        // Committed before readers are woken, so a woken reader finds the events.
        await ctx.state.flush();
        host.notifyRun(ctx.id);
        return { lastSeq: end + events.length };
      },
      async GetEvents({ after = 0, limit = 500 }) {
        const items = await log.range(Math.max(0, after), Math.min(Math.max(1, limit), 1000));
        return { events: items.map((entry) => entry.item) };
      },
    };
  });
}
