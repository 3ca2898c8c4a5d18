import type { SessionEvent } from "@troupe/actor-interfaces";
import type { SessionStreams, StreamEvent, StreamListener } from "./session-streams.ts";

export interface EventStreamOptions {
  sessionId: string;
  /** Sequence number the client has seen (Last-Event-ID); stored events after it are sent. */
  after: number;
  streams: SessionStreams;
  /** Stored events with a sequence number above `after`, oldest first (a bounded page). */
  readStored(after: number): Promise<SessionEvent[]>;
  write(event: StreamEvent): void;
  /** Reading the stored log failed; the stream should end (the client resumes with Last-Event-ID). */
  fail(err: unknown): void;
}

/**
 * One client's view of a session's events: every stored event exactly once and in order, from its cursor,
 * then live. Catches up from the stored log, then from the current run's feed in memory (whose newest events
 * may not be stored yet), then follows pushes. Streaming deltas are sent only while caught up: a client that
 * reconnects gets each message whole from its message_end instead. Costs nothing while nothing happens.
 */
export class SessionEventStream implements StreamListener {
  private cursor: number;
  private live = false;
  private catchingUp: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: EventStreamOptions) {
    this.cursor = options.after;
  }

  start(): void {
    this.unsubscribe = this.options.streams.subscribe(this.options.sessionId, this);
    this.catchUp();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
  }

  onEvent(event: StreamEvent): void {
    if (this.closed) return;
    if (!this.live) {
      if (event.seq !== undefined) this.catchUp();
      return;
    }
    if (event.seq === undefined) return this.options.write(event);
    if (event.seq <= this.cursor) return;
    if (event.seq === this.cursor + 1) return this.send(event);
    this.catchUp();
  }

  onStored(): void {
    if (!this.closed) this.catchUp();
  }

  private send(event: StreamEvent): void {
    this.options.write(event);
    this.cursor = event.seq ?? this.cursor;
  }

  private catchUp(): void {
    this.live = false;
    if (this.catchingUp) {
      this.again = true;
      return;
    }
    this.catchingUp = this.readUp()
      .catch((err: unknown) => {
        if (!this.closed) this.options.fail(err);
        this.close();
      })
      .finally(() => {
        this.catchingUp = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.catchUp();
        }
      });
  }

  private async readUp(): Promise<void> {
    const { streams, sessionId } = this.options;
    for (;;) {
      const feed = streams.feed(sessionId);
      const storedUpTo = feed ? feed.firstSeq - 1 : Number.POSITIVE_INFINITY;
      if (this.cursor < storedUpTo) {
        const page = (await this.options.readStored(this.cursor)).filter((e) => e.seq <= storedUpTo);
        if (this.closed) return;
        if (page.length > 0) {
          for (const event of page) this.send(event);
          continue;
        }
      }
      // From here on synchronous: the feed's events are replayed and the stream goes live in one step, so
      // no push can slip in between.
      if (streams.feed(sessionId) !== feed) continue;
      for (const event of feed?.storedAfter(this.cursor) ?? []) this.send(event);
      this.live = true;
      return;
    }
  }
}
