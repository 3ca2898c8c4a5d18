/** MemoryAgent and ConversationSession on the embedded runtime. */
import {
  ConversationSession,
  MemoryAgent,
  conversationUpdated,
  memoryAgentId,
  type ConversationUpdated,
} from "@troupe/actor-interfaces";
import {
  createEmbeddedRuntime,
  createMemoryBackend,
  silentLogger,
  type EmbeddedRuntime,
  type StateBackend,
} from "@troupe/actor-runtime";
import { afterEach, describe, expect, it } from "vitest";
import { memoryServiceActors } from "../src/actors/index.ts";
import { deterministicSummarizer } from "../src/summary/summarizer.ts";

const event = (sequence: number, user = "u1", session = "s1"): ConversationUpdated =>
  conversationUpdated({
    conversationId: user,
    userId: user,
    sessionId: session,
    sequence,
    input: { role: "user", content: `q${sequence}` },
    output: { role: "assistant", content: `a${sequence}` },
    timestamp: new Date().toISOString(),
  });

describe("MemoryAgent and ConversationSession", () => {
  let runtime: EmbeddedRuntime | undefined;
  afterEach(async () => runtime?.stop());

  const start = async (summaryPeriod = "1h", summarizer = deterministicSummarizer, state?: StateBackend) => {
    runtime = await createEmbeddedRuntime({
      registrations: memoryServiceActors({ windowSize: 6, summaryPeriod, summarizer }),
      log: silentLogger,
      ...(state ? { state } : {}),
    });
    return runtime.actors;
  };

  it("keeps a rolling window of the last 6 messages, in sequence order even when events arrive out of order", async () => {
    const memory = (await start()).actor(MemoryAgent, memoryAgentId("u1"));
    for (const seq of [1, 2, 4, 3, 5]) await memory.ApplyConversationEvent(event(seq));
    const { memory: window } = await memory.GetMemory({});
    expect(window.map((m) => m.content)).toEqual(["q3", "a3", "q4", "a4", "q5", "a5"]);
  });

  it("applies a redelivered event once", async () => {
    const actors = await start();
    const memory = actors.actor(MemoryAgent, memoryAgentId("u1"));
    expect(await memory.ApplyConversationEvent(event(1))).toEqual({ applied: true });
    expect(await memory.ApplyConversationEvent(event(1))).toEqual({ applied: false });
    expect((await memory.GetMemory({})).memory).toHaveLength(2);
    const session = actors.actor(ConversationSession, "s1");
    expect(await session.Append(event(1))).toEqual({ applied: true });
    expect(await session.Append(event(1))).toEqual({ applied: false });
    expect(await session.Append(event(1, "other-user"))).toEqual({ applied: true });
    expect((await session.GetHistory({})).history).toHaveLength(4);
  });

  it("serves the default profile, stores an initialised one and refreshes its summary", async () => {
    const memory = (await start()).actor(MemoryAgent, memoryAgentId("junaid"));
    expect(await memory.GetProfile({})).toEqual({
      name: "junaid",
      preferred_style: "casual",
      user_summary: "junaid is a new user.",
    });
    await memory.InitializeProfile({
      name: "Junaid",
      preferred_style: "formal",
      user_summary: "Likes books.",
    });
    expect((await memory.GetProfile({})).name).toBe("Junaid");
    expect((await memory.RefreshSummary({})).user_summary).toBe("Likes books.");
    await memory.ApplyConversationEvent(event(1, "junaid"));
    const refreshed = await memory.RefreshSummary({});
    expect(refreshed.user_summary).toBe(
      'Junaid prefers a formal style and has had 1 exchange. Most recently said: "q1".',
    );
  });

  it("refreshes the summary periodically by a reminder once the user has talked", async () => {
    const memory = (await start("200ms")).actor(MemoryAgent, memoryAgentId("u2"));
    await memory.ApplyConversationEvent(event(1, "u2"));
    const deadline = Date.now() + 10_000;
    let summary = "";
    while (Date.now() < deadline) {
      summary = (await memory.GetProfile({})).user_summary;
      if (summary.includes("1 exchange")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(summary).toContain("1 exchange");
  });

  it("cancels the refresh reminder when nothing is new to summarise, and re-arms it on the next event", async () => {
    const state = createMemoryBackend();
    let summaries = 0;
    const counting = {
      name: "counting",
      summarize: async (request: Parameters<typeof deterministicSummarizer.summarize>[0]) => {
        summaries += 1;
        return deterministicSummarizer.summarize(request);
      },
    };
    const memory = (await start("20ms", counting, state)).actor(MemoryAgent, memoryAgentId("u3"));
    const armed = async () => (await state.listReminders()).some((r) => r.id === memoryAgentId("u3"));
    const waitFor = async (condition: () => Promise<boolean>) => {
      while (!(await condition())) await new Promise((r) => setTimeout(r, 10));
    };

    await memory.ApplyConversationEvent(event(1, "u3"));
    expect(await armed()).toBe(true);
    // One firing summarises the exchange, the next finds nothing new and cancels the reminder.
    await waitFor(async () => !(await armed()));
    expect(summaries).toBe(1);

    await memory.ApplyConversationEvent(event(2, "u3"));
    expect(await armed()).toBe(true);
    await waitFor(async () => !(await armed()));
    expect(summaries).toBe(2);
    expect((await memory.GetProfile({})).user_summary).toContain("2 exchange");
  });
});
