import {
  EventTypes,
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  ResponseAgent,
  Topics,
  conversationUpdated,
  responseAgentId,
  type ChatAgentApi,
  type ChatMessage,
  type ConversationUpdated,
  type HistoryPage,
  type HistoryQuery,
  type ProcessMessageInput,
  type ProcessedMessage,
  TroupeError,
} from "@troupe/actor-interfaces";
import {
  CANCEL_SCHEDULE,
  ChunkedLog,
  type ActorContext,
  type ActorInstance,
  type EventPublisher,
  type ScheduleResult,
} from "@troupe/actor-runtime";

/** State: the transcript (chunked log under `transcript:*`), the event sequence and the outbox. */
const TRANSCRIPT = "transcript";
const SEQUENCE = "sequence";
const OUTBOX = "outbox";
/** The latest answers by idempotency key, so that a client's retry is answered without a second exchange. */
const ANSWERED = "answered";
const ANSWERED_KEYS = 200;
/** Reminder that retries publishing while the outbox is not empty. */
const OUTBOX_RETRY = "outbox-retry";
/** When the outbox reminder first fires and how often it repeats (Go durations). */
export const defaultOutboxRetry = { dueTime: "5s", period: "30s" };
/** How many previous messages ResponseAgent receives for context. */
const RECENT_FOR_REPLY = 6;

type Answered = { key: string; content: string; answer: ProcessedMessage };

/**
 * Parent agent of a conversation (id = conversation id). Stores the complete transcript, delegates the
 * reply to its child ResponseAgent `response-{id}`, and publishes ConversationUpdated on `user-chat`
 * after the exchange is committed. Events go through an outbox in the same transaction as the messages,
 * so a failed publish is retried by a reminder instead of being lost.
 */
export class ChatAgentActor implements ActorInstance<ChatAgentApi> {
  private readonly transcript: ChunkedLog<ChatMessage>;

  constructor(
    private readonly ctx: ActorContext,
    private readonly events: EventPublisher,
    private readonly outboxRetry: { dueTime: string; period: string } = defaultOutboxRetry,
  ) {
    this.transcript = new ChunkedLog<ChatMessage>(ctx.state, TRANSCRIPT);
  }

  async ProcessMessage(input: ProcessMessageInput): Promise<ProcessedMessage> {
    const key = input.idempotency_key;
    const answered = key === undefined ? [] : await this.answered();
    const earlier = answered.find((a) => a.key === key);
    if (earlier) {
      if (earlier.content !== input.content) {
        const message = `Idempotency-Key "${key}" was used for another message`;
        throw new TroupeError("idempotency_key_reused", message, 409);
      }
      return earlier.answer;
    }
    const user: ChatMessage = { role: "user", content: input.content, timestamp: new Date().toISOString() };
    const { items: recent } = await this.transcript.page(RECENT_FOR_REPLY);
    const reply = await this.ctx.actors.actor(ResponseAgent, responseAgentId(this.ctx.id)).ProcessMessage({
      content: input.content,
      recent: recent.map(({ role, content }) => ({ role, content })),
    });
    const assistant: ChatMessage = {
      role: "assistant",
      content: reply.content,
      timestamp: reply.timestamp ?? new Date().toISOString(),
    };
    await this.transcript.append([user, assistant]);

    const sequence = ((await this.ctx.state.get<number>(SEQUENCE)) ?? 0) + 1;
    this.ctx.state.set(SEQUENCE, sequence);
    const event = conversationUpdated({
      conversationId: this.ctx.id,
      userId: this.ctx.id,
      sessionId: input.session_id ?? this.ctx.id,
      sequence,
      input: user,
      output: assistant,
      timestamp: assistant.timestamp ?? user.timestamp!,
    });
    this.ctx.state.set(OUTBOX, [...(await this.outbox()), event]);
    const answer: ProcessedMessage = {
      role: "assistant",
      content: assistant.content,
      session_id: event.session_id,
    };
    // Stored with the exchange, in the same transaction: a retry after a lost answer finds it.
    if (key !== undefined)
      this.ctx.state.set(
        ANSWERED,
        [...answered, { key, content: input.content, answer }].slice(-ANSWERED_KEYS),
      );
    await this.ctx.state.flush();
    await this.drainOutbox();
    return answer;
  }

  async GetConversationHistory(query: HistoryQuery): Promise<HistoryPage> {
    const limit = Math.min(Math.max(query.limit ?? HISTORY_DEFAULT_LIMIT, 1), HISTORY_MAX_LIMIT);
    const { items, from, meta } = await this.transcript.page(limit, query.before);
    return {
      history: items,
      total: meta.end - meta.start,
      ...(from > meta.start ? { next_before: from } : {}),
    };
  }

  async ClearHistory(): Promise<{ cleared: number }> {
    return { cleared: await this.transcript.clear() };
  }

  async onReminder(name: string): Promise<ScheduleResult> {
    if (name !== OUTBOX_RETRY) return CANCEL_SCHEDULE;
    await this.drainOutbox();
    return (await this.outbox()).length === 0 ? CANCEL_SCHEDULE : undefined;
  }

  /** Publishes pending events in order; on the first failure keeps the rest and arms the retry reminder. */
  private async drainOutbox(): Promise<void> {
    const pending = await this.outbox();
    let published = 0;
    for (const event of pending) {
      try {
        await this.events.publish(Topics.userChat, {
          type: EventTypes.conversationUpdated,
          id: `${event.conversation_id}:${event.sequence}`,
          subject: event.conversation_id,
          data: event,
        });
        published += 1;
      } catch (err) {
        this.ctx.log.warn(
          { err, sequence: event.sequence },
          "publishing ConversationUpdated failed; will retry",
        );
        await this.ctx.reminders.set(OUTBOX_RETRY, this.outboxRetry);
        break;
      }
    }
    if (published > 0) this.ctx.state.set(OUTBOX, pending.slice(published));
  }

  private async answered(): Promise<Answered[]> {
    return (await this.ctx.state.get<Answered[]>(ANSWERED)) ?? [];
  }

  private async outbox(): Promise<ConversationUpdated[]> {
    return (await this.ctx.state.get<ConversationUpdated[]>(OUTBOX)) ?? [];
  }
}
