import {
  MemoryAgent,
  conversationIdOf,
  memoryAgentId,
  type ChatMessage,
  type ResponseAgentApi,
  type RespondInput,
} from "@troupe/actor-interfaces";
import type { ActorContext, ActorInstance } from "@troupe/actor-runtime";
import type { ReplyEngine } from "../reply/engine.ts";

/** State: how many messages this agent has handled. */
const COUNT = "count";

/**
 * Child of ChatAgent, id `response-{conversationId}`. Counts messages, asks its peer MemoryAgent
 * `memory-{conversationId}` for context, and replies through the configured engine. The count is only
 * committed when a reply was produced.
 */
export class ResponseAgentActor implements ActorInstance<ResponseAgentApi> {
  constructor(
    private readonly ctx: ActorContext,
    private readonly engine: ReplyEngine,
    private readonly replyTimeoutMs: number,
  ) {}

  async ProcessMessage(input: RespondInput): Promise<ChatMessage> {
    const count = ((await this.ctx.state.get<number>(COUNT)) ?? 0) + 1;
    this.ctx.state.set(COUNT, count);
    const conversationId = conversationIdOf(this.ctx.id);
    const { memory } = await this.ctx.actors.actor(MemoryAgent, memoryAgentId(conversationId)).GetMemory({});
    // The turn bounds its own work: the sidecar puts no timeout on actor calls (see components/resiliency.yaml).
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new Error(`no reply within ${this.replyTimeoutMs} ms`)),
      this.replyTimeoutMs,
    );
    const content = await this.engine
      .reply({
        conversationId,
        content: input.content,
        count,
        memory,
        recent: input.recent ?? [],
        actors: this.ctx.actors,
        signal: deadline.signal,
      })
      .finally(() => clearTimeout(timer));
    return { role: "assistant", content, timestamp: new Date().toISOString() };
  }

  async GetMessageCount(): Promise<{ count: number }> {
    return { count: (await this.ctx.state.get<number>(COUNT)) ?? 0 };
  }
}
