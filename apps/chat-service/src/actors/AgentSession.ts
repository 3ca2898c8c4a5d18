import { randomUUID } from "node:crypto";
import {
  Topics,
  TroupeError,
  type AgentMessageJson,
  type AgentSessionApi,
  type AgentSessionState,
  type Json,
  type PendingToolCallJson,
  type ProgressReport,
  type PromptInput,
  type SessionEvent,
  type TextInput,
} from "@troupe/actor-interfaces";
import {
  ChunkedLog,
  runDetached,
  type ActorContext,
  type ActorInstance,
  type EventPublisher,
} from "@troupe/actor-runtime";
import type { AgentMessage } from "@troupe/agent-loop";
import type { SessionExecutors } from "../agents/executor.ts";
import { agentProgressEvent } from "../agents/session-streams.ts";
import { hydrateEvent, referencedMessages } from "../agents/stored-events.ts";

/**
 * State: run status, the transcript (`messages:*`, each completed message once), the event log (`events:*`,
 * messages referenced by index, no streaming deltas) and pending tool calls. Publishes `agent.progress` on
 * agent-events when it stores an event itself (an interrupted run's end).
 */
const STATUS = "status";
const MESSAGES = "messages";
const EVENTS = "events";
const PENDING = "pending";
/** The latest prompts by idempotency key and the run each started (a client's retry starts nothing). */
const PROMPTED = "prompted";
const PROMPTED_KEYS = 100;
/** Messages a run sees as context and GetState returns. */
const MAX_MESSAGES = 500;
const MAX_TEXT = 16_000;

type Status = { status: "idle" | "running"; runId: string | null; error: string | null };
const IDLE: Status = { status: "idle", runId: null, error: null };

/**
 * An agent session. A short-lock controller: every method is a brief turn that reads or writes state, while
 * the agent loop itself runs in the host's SessionExecutors, outside any turn. So Steer, Abort and GetState
 * answer at once while a model call or tool is in flight. The executor pushes every event to live streams
 * itself and reports the stored ones back through RecordProgress when a message or tool call completes, so
 * a host crash loses at most the message in flight; the next call notices the run has no executor and
 * reports it as interrupted.
 */
export class AgentSessionActor implements ActorInstance<AgentSessionApi> {
  private readonly messages: ChunkedLog<AgentMessageJson>;
  private readonly events: ChunkedLog<{ type: string; data: Json }>;

  constructor(
    private readonly ctx: ActorContext,
    private readonly executors: SessionExecutors,
    private readonly publisher: EventPublisher,
  ) {
    this.messages = new ChunkedLog(ctx.state, MESSAGES);
    this.events = new ChunkedLog(ctx.state, EVENTS, 200);
  }

  async Prompt({ text, idempotencyKey }: PromptInput): Promise<{ runId: string }> {
    const prompt = requireText(text);
    const prompted = idempotencyKey === undefined ? [] : await this.prompted();
    const earlier = prompted.find((p) => p.key === idempotencyKey);
    if (earlier) {
      if (earlier.text !== prompt) {
        const message = `Idempotency-Key "${idempotencyKey}" was used for another prompt`;
        throw new TroupeError("idempotency_key_reused", message, 409);
      }
      return { runId: earlier.runId };
    }
    if ((await this.liveStatus()).status === "running") {
      throw new TroupeError("session_busy", "a run is in progress: use steer or follow-up, or abort it", 409);
    }
    const runId = randomUUID();
    this.ctx.state.set(STATUS, { status: "running", runId, error: null });
    this.ctx.state.set(PENDING, []);
    if (idempotencyKey !== undefined) {
      const entry = { key: idempotencyKey, text: prompt, runId };
      this.ctx.state.set(PROMPTED, [...prompted, entry].slice(-PROMPTED_KEYS));
    }
    await this.ctx.state.flush();
    const history = await this.messages.page(MAX_MESSAGES);
    const firstSeq = (await this.events.meta()).end + 1;
    runDetached(() =>
      this.executors.start({
        sessionId: this.ctx.id,
        runId,
        history: history.items as unknown as AgentMessage[],
        prompt,
        firstSeq,
        messagesBase: history.meta.end,
      }),
    );
    return { runId };
  }

  async Steer({ text }: TextInput): Promise<{ queued: true }> {
    this.running().steer(requireText(text));
    return { queued: true };
  }

  async FollowUp({ text }: TextInput): Promise<{ queued: true }> {
    this.running().followUp(requireText(text));
    return { queued: true };
  }

  async Abort(): Promise<{ aborted: boolean }> {
    const agent = this.executors.get(this.ctx.id);
    agent?.abort();
    return { aborted: agent !== undefined };
  }

  async GetState(): Promise<AgentSessionState> {
    const status = await this.liveStatus();
    return {
      status: status.status,
      runId: status.runId,
      error: status.error,
      messages: (await this.messages.page(MAX_MESSAGES)).items,
      pendingToolCalls:
        status.status === "running" ? ((await this.ctx.state.get<PendingToolCallJson[]>(PENDING)) ?? []) : [],
    };
  }

  async GetEvents({
    after = 0,
    limit = 200,
  }: {
    after?: number;
    limit?: number;
  }): Promise<{ events: SessionEvent[] }> {
    const entries = await this.events.range(after, Math.min(Math.max(limit, 1), 1000));
    const events = entries.map(({ index, item }) => ({ seq: index + 1, type: item.type, data: item.data }));
    const indices = referencedMessages(events);
    if (indices.length === 0) return { events };
    const first = indices[0]!;
    const stored = await this.messages.range(first, indices.at(-1)! - first + 1);
    const messages = new Map(stored.map(({ index, item }) => [index, item]));
    return { events: events.map((event) => hydrateEvent(event, messages)) };
  }

  async RecordProgress(report: ProgressReport): Promise<{ accepted: boolean }> {
    const status = await this.status();
    if (status.runId !== report.runId || status.status !== "running") return { accepted: false };
    if (report.events.length > 0) {
      // The executor numbered these events when it pushed them to live streams; the log must agree.
      const expected = (await this.events.meta()).end + 1;
      if (report.firstSeq !== expected) {
        const detail = `progress of run ${report.runId} starts at ${report.firstSeq}, the log at ${expected}`;
        throw new TroupeError("progress_out_of_order", detail, 409);
      }
      await this.events.append(report.events);
    }
    if (report.messages.length > 0) await this.messages.append(report.messages);
    this.ctx.state.set(PENDING, report.pendingToolCalls);
    if (report.finished)
      this.ctx.state.set(STATUS, { status: "idle", runId: report.runId, error: report.finished.error });
    return { accepted: true };
  }

  private async prompted(): Promise<{ key: string; text: string; runId: string }[]> {
    return (await this.ctx.state.get<{ key: string; text: string; runId: string }[]>(PROMPTED)) ?? [];
  }

  private running() {
    const agent = this.executors.get(this.ctx.id);
    if (!agent) throw new TroupeError("not_running", "no run is in progress: send a prompt first", 409);
    return agent;
  }

  private async status(): Promise<Status> {
    return (await this.ctx.state.get<Status>(STATUS)) ?? IDLE;
  }

  /** The stored status, with a run whose executor is gone (host restarted) turned into an interrupted one. */
  private async liveStatus(): Promise<Status> {
    const status = await this.status();
    if (status.status !== "running" || this.executors.has(this.ctx.id)) return status;
    const interrupted: Status = {
      status: "idle",
      runId: status.runId,
      error:
        "the run was interrupted because its host stopped; completed messages were kept, the one in flight was lost",
    };
    this.ctx.state.set(STATUS, interrupted);
    this.ctx.state.set(PENDING, []);
    const end = { type: "agent_end", data: { type: "agent_end", messages: [], interrupted: true } };
    const { end: seq } = await this.events.append([end]);
    await this.ctx.state.flush();
    // Streams of this session wait for stored events; tell them (at most once more on a redelivery).
    await this.publisher
      .publish(
        Topics.agentEvents,
        agentProgressEvent({
          sessionId: this.ctx.id,
          runId: status.runId,
          fromSeq: seq,
          toSeq: seq,
          events: [{ seq, ...end }],
        }),
      )
      .catch((err: unknown) => this.ctx.log.warn({ err }, "could not announce the interrupted run"));
    return interrupted;
  }
}

function requireText(text: string): string {
  if (typeof text !== "string" || text.trim() === "") {
    throw new TroupeError("invalid_request", 'body field "text" must be a non-empty string', 400);
  }
  if (text.length > MAX_TEXT)
    throw new TroupeError("invalid_request", `body field "text" exceeds ${MAX_TEXT} characters`, 400);
  return text;
}
