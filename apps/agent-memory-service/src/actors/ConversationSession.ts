import type { ChatMessage, ConversationSessionApi, ConversationUpdated } from "@troupe/actor-interfaces";
import { AppliedSet, ChunkedLog, type ActorContext, type ActorInstance } from "@troupe/actor-runtime";

/** State: the session transcript (chunked log under `history:*`) and the applied-event set. */
const HISTORY = "history";
const APPLIED = "applied";
const MAX_RETURNED = 500;

/** The transcript of one session (id = session id), fed by ConversationUpdated events, each applied once. */
export class ConversationSessionActor implements ActorInstance<ConversationSessionApi> {
  private readonly history: ChunkedLog<ChatMessage>;
  private readonly applied: AppliedSet;

  constructor(ctx: ActorContext) {
    this.history = new ChunkedLog<ChatMessage>(ctx.state, HISTORY);
    this.applied = new AppliedSet(ctx.state, APPLIED);
  }

  async Append(event: ConversationUpdated): Promise<{ applied: boolean }> {
    const key = `${event.conversation_id}:${event.sequence}`;
    if (await this.applied.has(key)) return { applied: false };
    await this.history.append([event.input, event.output]);
    await this.applied.add(key);
    return { applied: true };
  }

  async GetHistory(): Promise<{ history: ChatMessage[] }> {
    return { history: (await this.history.page(MAX_RETURNED)).items };
  }
}
