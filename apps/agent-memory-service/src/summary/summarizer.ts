import type { ChatMessage, UserProfile } from "@troupe/actor-interfaces";

export interface SummaryRequest {
  userId: string;
  profile: UserProfile;
  window: ChatMessage[];
  exchanges: number;
}

/** Produces a user's `user_summary`. Pluggable: deterministic by default, an LLM when one is configured. */
export interface Summarizer {
  readonly name: string;
  summarize(request: SummaryRequest): Promise<string>;
}

/** A summary computed from the window alone: stable, cheap, and good enough without a model. */
export const deterministicSummarizer: Summarizer = {
  name: "deterministic",
  async summarize({ profile, window, exchanges }) {
    if (exchanges === 0) return profile.user_summary;
    const lastUser = [...window].reverse().find((m) => m.role === "user");
    const said = lastUser ? ` Most recently said: "${lastUser.content.slice(0, 200)}".` : "";
    return `${profile.name} prefers a ${profile.preferred_style} style and has had ${exchanges} exchange${exchanges === 1 ? "" : "s"}.${said}`;
  },
};
