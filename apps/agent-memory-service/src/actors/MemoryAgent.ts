import {
  conversationIdOf,
  defaultProfile,
  type ChatMessage,
  type ConversationUpdated,
  type MemoryAgentApi,
  type UserProfile,
} from "@troupe/actor-interfaces";
import {
  AppliedSet,
  CANCEL_SCHEDULE,
  type ActorContext,
  type ActorInstance,
  type ScheduleResult,
} from "@troupe/actor-runtime";
import type { Summarizer } from "../summary/summarizer.ts";

/**
 * State: rolling window, profile, exchange count, the exchange count the summary was last made at, whether
 * the refresh reminder is armed, and the applied-event set.
 */
const WINDOW = "window";
const PROFILE = "profile";
const EXCHANGES = "exchanges";
const SUMMARIZED = "summarized-exchanges";
const REFRESH_ARMED = "refresh-armed";
const APPLIED = "applied";
/**
 * Reminder that refreshes the summary periodically while the user talks: armed by an event, cancelled by a
 * firing that finds nothing new since the last summary (an idle conversation costs no reminders).
 */
const REFRESH_SUMMARY = "refresh-summary";

type WindowEntry = ChatMessage & { sequence: number };

export interface MemoryAgentOptions {
  /** Messages kept in the window (default 6 = 3 exchanges). */
  windowSize: number;
  /** Go duration between summary refreshes. */
  summaryPeriod: string;
  summarizer: Summarizer;
}

/**
 * Peer agent `memory-{conversationId}`: the rolling window of recent messages, the user profile and its
 * summary. It changes only through ConversationUpdated events (and explicit profile initialisation);
 * each event is applied once, keyed by its per-conversation sequence number.
 */
export class MemoryAgentActor implements ActorInstance<MemoryAgentApi> {
  private readonly applied: AppliedSet;

  constructor(
    private readonly ctx: ActorContext,
    private readonly options: MemoryAgentOptions,
  ) {
    this.applied = new AppliedSet(ctx.state, APPLIED);
  }

  async GetMemory(): Promise<{ memory: ChatMessage[] }> {
    return {
      memory: (await this.window()).map(({ role, content, timestamp }) => ({ role, content, timestamp })),
    };
  }

  async ApplyConversationEvent(event: ConversationUpdated): Promise<{ applied: boolean }> {
    const key = String(event.sequence);
    if (await this.applied.has(key)) return { applied: false };
    const entries: WindowEntry[] = [
      { ...event.input, sequence: event.sequence },
      { ...event.output, sequence: event.sequence },
    ];
    // Sorting by sequence keeps the window chronological even if deliveries arrive out of order.
    const window = [...(await this.window()), ...entries]
      .sort((a, b) => a.sequence - b.sequence)
      .slice(-this.options.windowSize);
    this.ctx.state.set(WINDOW, window);
    const exchanges = ((await this.ctx.state.get<number>(EXCHANGES)) ?? 0) + 1;
    this.ctx.state.set(EXCHANGES, exchanges);
    await this.applied.add(key);
    if (!(await this.ctx.state.get<boolean>(REFRESH_ARMED))) {
      await this.ctx.reminders.set(REFRESH_SUMMARY, {
        dueTime: this.options.summaryPeriod,
        period: this.options.summaryPeriod,
      });
      this.ctx.state.set(REFRESH_ARMED, true);
    }
    return { applied: true };
  }

  async GetProfile(): Promise<UserProfile> {
    return (await this.ctx.state.get<UserProfile>(PROFILE)) ?? defaultProfile(this.conversationId());
  }

  async InitializeProfile(profile: UserProfile): Promise<UserProfile> {
    const stored = {
      name: profile.name,
      preferred_style: profile.preferred_style,
      user_summary: profile.user_summary,
    };
    this.ctx.state.set(PROFILE, stored);
    return stored;
  }

  async RefreshSummary(): Promise<UserProfile> {
    const profile = await this.GetProfile();
    const exchanges = (await this.ctx.state.get<number>(EXCHANGES)) ?? 0;
    const user_summary = await this.options.summarizer.summarize({
      userId: this.conversationId(),
      profile,
      window: await this.window(),
      exchanges,
    });
    const updated = { ...profile, user_summary };
    this.ctx.state.set(PROFILE, updated);
    this.ctx.state.set(SUMMARIZED, exchanges);
    return updated;
  }

  async onReminder(name: string): Promise<ScheduleResult> {
    if (name !== REFRESH_SUMMARY) return CANCEL_SCHEDULE;
    const exchanges = (await this.ctx.state.get<number>(EXCHANGES)) ?? 0;
    if (exchanges === ((await this.ctx.state.get<number>(SUMMARIZED)) ?? 0)) {
      this.ctx.state.set(REFRESH_ARMED, false);
      return CANCEL_SCHEDULE;
    }
    await this.RefreshSummary();
  }

  /** The conversation this agent remembers (its id is `memoryAgentId(conversationId)`). */
  private conversationId(): string {
    return conversationIdOf(this.ctx.id);
  }

  private async window(): Promise<WindowEntry[]> {
    return (await this.ctx.state.get<WindowEntry[]>(WINDOW)) ?? [];
  }
}
