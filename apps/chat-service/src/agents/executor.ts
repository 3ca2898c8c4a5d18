import {
  AgentSession,
  TroupeError,
  type AgentMessageJson,
  type Json,
  type ProgressReport,
} from "@troupe/actor-interfaces";
import type { ActorLogger, Platform } from "@troupe/actor-runtime";
import {
  Agent,
  type AgentEvent,
  type AgentMessage,
  type AgentTool,
  type ModelClient,
} from "@troupe/agent-loop";
import {
  agentProgressEvent,
  type RunFeed,
  type SessionStreams,
  type StreamEvent,
} from "./session-streams.ts";
import { compactEvent, liveDelta } from "./stored-events.ts";

export interface ExecutorDeps {
  model: ModelClient;
  /** The tools a session's agent may call (tool-service's, via service invocation). */
  tools: (sessionId: string) => Promise<AgentTool[]>;
  systemPrompt: string;
  /** Record tool arguments and results on spans (off by default). */
  captureContent: boolean;
  /** Actor calls (progress reports, from outside any turn) and event publishing. */
  platform: Pick<Platform, "actors" | "events">;
  /** Where runs push their events for the SSE streams of this process. */
  streams: SessionStreams;
  eventsTopic: string;
  log: ActorLogger;
}

export interface RunSpec {
  sessionId: string;
  runId: string;
  history: AgentMessage[];
  prompt: string;
  /** Sequence number the run's first stored event gets (the session's event log end + 1). */
  firstSeq: number;
  /** Index the run's first completed message gets in the session's messages log. */
  messagesBase: number;
}

/** Events after which the stored ones are reported at once; others wait up to BATCH_MS. */
const IMMEDIATE = new Set(["message_end", "tool_execution_start", "tool_execution_end", "agent_end"]);
const BATCH_MS = 100;
const REPORT_RETRY_MS = 500;
const REPORT_ATTEMPTS = 20;

/**
 * The executor half of AgentSession: runs agent loops outside actor turns, so the actor's own methods
 * (Steer, Abort, GetState) stay short and never wait for a model or a tool. One run per session at a time;
 * runs live in the process that hosts the session actor (Dapr places every call for that id there).
 * Every event is pushed at once to this process's streams (SessionStreams); the ones to keep go back to the
 * actor as RecordProgress calls, in order, one at a time, and are then announced on agent-events (one
 * `agent.progress` CloudEvent per report) for streams served by other replicas.
 */
export class SessionExecutors {
  private readonly runs = new Map<string, SessionRun>();

  constructor(private readonly deps: ExecutorDeps) {}

  get(sessionId: string): Agent | undefined {
    return this.runs.get(sessionId)?.agent;
  }

  has(sessionId: string): boolean {
    return this.runs.has(sessionId);
  }

  start(spec: RunSpec): void {
    const run = new SessionRun(spec, this.deps);
    this.runs.set(spec.sessionId, run);
    // The next run of the session may start as soon as this one reported its end: forget only this one.
    const forget = () => {
      if (this.runs.get(spec.sessionId) === run) this.runs.delete(spec.sessionId);
    };
    run.execute().then(forget, (err: unknown) => {
      forget();
      this.deps.log.error({ err, sessionId: spec.sessionId }, "agent run failed unexpectedly");
    });
  }

  /** Aborts every run and waits for their last reports (shutdown). */
  async stopAll(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) run.agent.abort();
    await Promise.allSettled(runs.map((r) => r.done));
  }
}

class SessionRun {
  readonly agent: Agent;
  done: Promise<void> = Promise.resolve();
  private readonly feed: RunFeed;
  private nextSeq: number;
  /** Completed messages of this run and their index in the messages log. */
  private readonly messageIndex = new Map<AgentMessage, number>();
  private nextMessage: number;
  private events: StreamEvent[] = [];
  private stored: { type: string; data: Json }[] = [];
  private messages: AgentMessageJson[] = [];
  private reporting: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spec: RunSpec,
    private readonly deps: ExecutorDeps,
  ) {
    this.nextSeq = spec.firstSeq;
    this.nextMessage = spec.messagesBase;
    this.feed = deps.streams.open(spec.sessionId, spec.firstSeq);
    this.agent = new Agent({
      model: deps.model,
      systemPrompt: deps.systemPrompt,
      messages: spec.history,
      captureContent: deps.captureContent,
    });
    this.agent.subscribe((event) => this.onEvent(event));
  }

  async execute(): Promise<void> {
    this.done = (async () => {
      try {
        this.agent.setTools(await this.deps.tools(this.spec.sessionId));
        await this.agent.prompt(this.spec.prompt);
        await this.report({ error: this.agent.state.error ?? null });
      } finally {
        this.deps.streams.close(this.spec.sessionId, this.feed);
      }
    })();
    await this.done;
  }

  private onEvent(event: AgentEvent): void {
    if (event.type === "message_update") {
      this.feed.push({ type: event.type, data: liveDelta(event) });
      return;
    }
    // A user or tool-result message starts complete: its index is known before its message_end.
    if (event.type === "message_start" && event.message.role !== "assistant")
      this.messageIndex.set(event.message, this.nextMessage);
    if (event.type === "message_end") {
      if (!this.messageIndex.has(event.message)) this.messageIndex.set(event.message, this.nextMessage);
      this.nextMessage += 1;
      this.messages.push(event.message);
    }
    const live: StreamEvent = { seq: this.nextSeq++, type: event.type, data: event };
    this.feed.push(live);
    this.events.push(live);
    this.stored.push(compactEvent(event, (m) => this.messageIndex.get(m)));
    if (IMMEDIATE.has(event.type)) void this.report();
    else this.timer ??= setTimeout(() => void this.report(), BATCH_MS);
  }

  /** Queues a report of everything buffered; reports are sent strictly in order. */
  private report(finished?: { error: string | null }): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.events.splice(0);
    const payload: ProgressReport = {
      runId: this.spec.runId,
      firstSeq: events[0]?.seq ?? this.nextSeq,
      events: this.stored.splice(0),
      messages: this.messages.splice(0),
      pendingToolCalls: this.agent.state.pendingToolCalls,
      ...(finished ? { finished } : {}),
    };
    if (!finished && payload.events.length === 0) return this.reporting;
    this.reporting = this.reporting.then(() => this.send(payload, events));
    return this.reporting;
  }

  private async send(payload: ProgressReport, events: StreamEvent[]): Promise<void> {
    const session = this.deps.platform.actors.actor(AgentSession, this.spec.sessionId);
    for (let attempt = 1; ; attempt++) {
      try {
        await session.RecordProgress(payload);
        break;
      } catch (err) {
        if (err instanceof TroupeError || attempt >= REPORT_ATTEMPTS) {
          this.deps.log.error(
            { err, sessionId: this.spec.sessionId },
            "could not record agent progress; giving up",
          );
          return;
        }
        await new Promise((r) => setTimeout(r, REPORT_RETRY_MS));
      }
    }
    if (events.length === 0) return;
    const progress = {
      sessionId: this.spec.sessionId,
      runId: this.spec.runId,
      fromSeq: payload.firstSeq,
      toSeq: payload.firstSeq + events.length - 1,
      events,
    };
    await this.deps.platform.events
      .publish(this.deps.eventsTopic, agentProgressEvent(progress))
      .catch((err: unknown) => this.deps.log.warn({ err }, "publishing agent progress failed"));
  }
}
