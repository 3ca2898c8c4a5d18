import type { Json } from "@troupe/actor-interfaces";

/**
 * One agent event as streams see it. Stored events carry their sequence number (the SSE `id`); streaming
 * deltas (`message_update`) have none: they are pushed live and never stored.
 */
export type StreamEvent = { seq?: number; type: string; data: Json };

/** What a stream listens to: the events of local runs as they happen, and cues that the stored log grew. */
export interface StreamListener {
  onEvent(event: StreamEvent): void;
  /** New events were stored by a run this process does not host; read them from the stored log. */
  onStored(): void;
}

/**
 * The events of one run, in order, as the executor produces them. Keeps the run's stored events (not the
 * deltas) until the run ends, so a stream that connects mid-run replays them from memory while the
 * executor may still be reporting them to the actor.
 */
export class RunFeed {
  private readonly stored: StreamEvent[] = [];

  constructor(
    /** Sequence number of the run's first stored event; everything before it is in the stored log. */
    readonly firstSeq: number,
    private readonly listeners: () => Iterable<StreamListener>,
  ) {}

  push(event: StreamEvent): void {
    if (event.seq !== undefined) this.stored.push(event);
    for (const listener of this.listeners()) listener.onEvent(event);
  }

  /** The run's stored events with a sequence number above `seq`. */
  storedAfter(seq: number): StreamEvent[] {
    return this.stored.filter((e) => (e.seq ?? 0) > seq);
  }
}

/**
 * The in-process hub between the agent runs this process hosts and the SSE streams it serves: the push path
 * from a running loop to its clients, with no polling and no round trip through actor state. Streams for a
 * session whose run is hosted elsewhere (another replica) are woken by `notifyStored`, fed by the
 * agent-events subscription, and read the stored log.
 */
export class SessionStreams {
  private readonly feeds = new Map<string, RunFeed>();
  private readonly listeners = new Map<string, Set<StreamListener>>();

  /** `maxStreams`: how many listeners (open streams) this process takes at most. */
  constructor(readonly maxStreams = Number.POSITIVE_INFINITY) {}

  /** Starts the feed of a run (the executor calls this when a run starts, before its first event). */
  open(sessionId: string, firstSeq: number): RunFeed {
    const feed = new RunFeed(firstSeq, () => this.listeners.get(sessionId) ?? []);
    this.feeds.set(sessionId, feed);
    return feed;
  }

  /** Ends a run's feed once all its events are stored; streams continue from the stored log. */
  close(sessionId: string, feed: RunFeed): void {
    if (this.feeds.get(sessionId) === feed) this.feeds.delete(sessionId);
    for (const listener of this.listeners.get(sessionId) ?? []) listener.onStored();
  }

  feed(sessionId: string): RunFeed | undefined {
    return this.feeds.get(sessionId);
  }

  /** Another process stored events of this session. A no-op when this process hosts the run. */
  notifyStored(sessionId: string): void {
    if (this.feeds.has(sessionId)) return;
    for (const listener of this.listeners.get(sessionId) ?? []) listener.onStored();
  }

  /** Whether another stream may open (fewer than `maxStreams` are). */
  get hasRoom(): boolean {
    return this.streamCount < this.maxStreams;
  }

  subscribe(sessionId: string, listener: StreamListener): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(sessionId) === set) this.listeners.delete(sessionId);
    };
  }

  /** Open streams. */
  get streamCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
}

/** CloudEvent type on the agent-events topic: a session's stored event log grew by `fromSeq..toSeq`. */
export const AGENT_PROGRESS_EVENT = "agent.progress";

export type AgentProgress = {
  sessionId: string;
  runId: string | null;
  fromSeq: number;
  toSeq: number;
  /** The stored events of that range, as stream clients see them. */
  events: StreamEvent[];
};

/** The agent-events CloudEvent for a range of stored events (its id makes redeliveries recognisable). */
export function agentProgressEvent(progress: AgentProgress) {
  return {
    type: AGENT_PROGRESS_EVENT,
    id: `${progress.sessionId}:${progress.toSeq}`,
    subject: progress.sessionId,
    data: progress as unknown as Json,
  };
}
