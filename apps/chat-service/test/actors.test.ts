/**
 * ChatAgent and ResponseAgent on the embedded runtime. MemoryAgent (another service's actor) is replaced
 * by a fake implementing its contract; events go to a recording publisher.
 */
import {
  MemoryAgent,
  ChatAgent,
  ResponseAgent,
  responseAgentId,
  type ChatMessage,
  type Json,
} from "@troupe/actor-interfaces";
import {
  createEmbeddedRuntime,
  registration,
  silentLogger,
  type EmbeddedRuntime,
  type EventPublisher,
  type StateBackend,
} from "@troupe/actor-runtime";
import { afterEach, describe, expect, it } from "vitest";
import { chatServiceActors } from "../src/actors/index.ts";
import { meteredBackend } from "./metered-backend.ts";
import { deterministicEngine } from "../src/reply/deterministic.ts";

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function fakeMemory(memory: ChatMessage[]) {
  return registration(MemoryAgent, () => ({
    GetMemory: async () => ({ memory }),
    ApplyConversationEvent: async () => ({ applied: true }),
    GetProfile: async () => ({ name: "n", preferred_style: "casual", user_summary: "s" }),
    InitializeProfile: async (p) => p,
    RefreshSummary: async () => ({ name: "n", preferred_style: "casual", user_summary: "s" }),
  }));
}

class RecordingPublisher implements EventPublisher {
  readonly published: { topic: string; type: string; id?: string; data: Json }[] = [];
  failing = false;
  async publish(topic: string, event: { type: string; data: Json; id?: string }) {
    if (this.failing) throw new Error("broker down");
    this.published.push({ topic, ...event });
  }
}

describe("ChatAgent and ResponseAgent", () => {
  let runtime: EmbeddedRuntime | undefined;
  afterEach(async () => runtime?.stop());

  async function start(memory: ChatMessage[] = [], events = new RecordingPublisher(), state?: StateBackend) {
    runtime = await createEmbeddedRuntime({
      registrations: [
        ...chatServiceActors({
          events,
          engine: deterministicEngine(),
          outboxRetry: { dueTime: "100ms", period: "100ms" },
        }),
        fakeMemory(memory),
      ],
      log: silentLogger,
      ...(state ? { state } : {}),
    });
    return { actors: runtime.actors, events };
  }

  it("replies in the DACA tutorials' format: message count first, memory once there is some", async () => {
    const { actors } = await start();
    const reply = await actors.actor(ChatAgent, "u1").ProcessMessage({ role: "user", content: "Hello!" });
    expect(reply.role).toBe("assistant");
    expect(reply.content).toMatch(/^Memory: Message count: 1\. Got your message: Hello! at /);
    expect(reply.content).toMatch(ISO);
    await runtime!.stop();

    const remembered = await start([
      { role: "user", content: "Hello!" },
      { role: "assistant", content: "Hi" },
    ]);
    const next = await remembered.actors
      .actor(ChatAgent, "u1")
      .ProcessMessage({ role: "user", content: "Again" });
    expect(next.content).toMatch(/^Memory: user: Hello!; assistant: Hi\. Got your message: Again at /);
  });

  it("bounds ResponseAgent's reply work inside its turn: the engine's signal aborts after replyTimeoutMs", async () => {
    const waitsForAbort = {
      name: "waits-for-abort",
      reply: ({ signal }: { signal?: AbortSignal }) =>
        new Promise<string>((resolve) =>
          signal?.addEventListener("abort", () => resolve(`stopped: ${(signal.reason as Error).message}`)),
        ),
    };
    runtime = await createEmbeddedRuntime({
      registrations: [
        ...chatServiceActors({ events: new RecordingPublisher(), engine: waitsForAbort, replyTimeoutMs: 20 }),
        fakeMemory([]),
      ],
      log: silentLogger,
    });
    const reply = await runtime.actors.actor(ChatAgent, "u1").ProcessMessage({ role: "user", content: "hi" });
    expect(reply.content).toBe("stopped: no reply within 20 ms");
  });

  it("counts messages per conversation in ResponseAgent", async () => {
    const { actors } = await start();
    for (const content of ["a", "b", "c"])
      await actors.actor(ChatAgent, "u1").ProcessMessage({ role: "user", content });
    await actors.actor(ChatAgent, "u2").ProcessMessage({ role: "user", content: "x" });
    expect(await actors.actor(ResponseAgent, responseAgentId("u1")).GetMessageCount({})).toEqual({
      count: 3,
    });
    expect(await actors.actor(ResponseAgent, responseAgentId("u2")).GetMessageCount({})).toEqual({
      count: 1,
    });
  });

  it("publishes ConversationUpdated after each exchange with a per-conversation sequence", async () => {
    const { actors, events } = await start();
    await actors.actor(ChatAgent, "u1").ProcessMessage({ role: "user", content: "one", session_id: "s9" });
    await actors.actor(ChatAgent, "u1").ProcessMessage({ role: "user", content: "two" });
    expect(events.published.map((e) => [e.topic, e.type, e.id])).toEqual([
      ["user-chat", "ConversationUpdated", "u1:1"],
      ["user-chat", "ConversationUpdated", "u1:2"],
    ]);
    expect(events.published[0]!.data).toMatchObject({
      conversation_id: "u1",
      session_id: "s9",
      sequence: 1,
      input: { role: "user", content: "one" },
      user_message: "one",
    });
    expect(events.published[1]!.data).toMatchObject({ session_id: "u1", sequence: 2 });
  });

  it("stores the message when publishing fails and publishes it later from the outbox", async () => {
    const events = new RecordingPublisher();
    events.failing = true;
    const { actors } = await start([], events);
    const reply = await actors.actor(ChatAgent, "u1").ProcessMessage({ role: "user", content: "kept" });
    expect(reply.content).toContain("kept");
    expect((await actors.actor(ChatAgent, "u1").GetConversationHistory({})).total).toBe(2);
    expect(events.published).toHaveLength(0);
    events.failing = false;
    const deadline = Date.now() + 10_000;
    while (events.published.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(events.published.map((e) => e.id)).toEqual(["u1:1"]);
  });

  it("pages history newest-first with a before cursor, chronological within a page, and clears it", async () => {
    const { actors } = await start();
    const chat = actors.actor(ChatAgent, "p1");
    for (let i = 0; i < 30; i++) await chat.ProcessMessage({ role: "user", content: `m${i}` });
    const newest = await chat.GetConversationHistory({ limit: 4 });
    expect(newest.total).toBe(60);
    expect(newest.history.map((m) => m.content.slice(0, 3))).toEqual(["m28", "Mem", "m29", "Mem"]);
    const older = await chat.GetConversationHistory({ limit: 4, before: newest.next_before! });
    expect(older.history[0]!.content).toBe("m26");
    const all = await chat.GetConversationHistory({ limit: 500 });
    expect(all.history).toHaveLength(60);
    expect(all.next_before).toBeUndefined();
    expect(await chat.ClearHistory({})).toEqual({ cleared: 60 });
    expect((await chat.GetConversationHistory({})).history).toEqual([]);
  });

  it("writes a bounded amount per message whatever the transcript length (no rewrite of the history)", async () => {
    const state = meteredBackend();
    const { actors } = await start([], new RecordingPublisher(), state);
    const chat = actors.actor(ChatAgent, "long");
    const writes: number[] = [];
    for (let i = 0; i < 600; i++) {
      await chat.ProcessMessage({ role: "user", content: `message ${i}` });
      writes.push(state.lastWrite);
    }
    // A chunk holds 50 messages: the largest write stays the same from the first chunks to the last ones.
    const early = Math.max(...writes.slice(0, 100));
    const late = Math.max(...writes.slice(500, 600));
    expect(late).toBeLessThan(early * 1.5);
    expect((await chat.GetConversationHistory({ limit: 500 })).total).toBe(1200);
  });

  it("rolls back a failed exchange: nothing stored, nothing counted, nothing published", async () => {
    const events = new RecordingPublisher();
    runtime = await createEmbeddedRuntime({
      registrations: [
        ...chatServiceActors({
          events,
          engine: { name: "broken", reply: () => Promise.reject(new Error("engine down")) },
        }),
        fakeMemory([]),
      ],
      log: silentLogger,
    });
    await expect(
      runtime.actors.actor(ChatAgent, "f1").ProcessMessage({ role: "user", content: "x" }),
    ).rejects.toThrow();
    expect((await runtime.actors.actor(ChatAgent, "f1").GetConversationHistory({})).total).toBe(0);
    expect(await runtime.actors.actor(ResponseAgent, responseAgentId("f1")).GetMessageCount({})).toEqual({
      count: 0,
    });
    expect(events.published).toHaveLength(0);
  });
});
