/**
 * How an agent run's progress is stored and streamed: AgentSession and its executor on the embedded runtime,
 * with a model of our own that streams a long reply in many deltas, and SessionEventStream against fakes.
 */
import { AgentSession, type ActorClient, type Json, type SessionEvent } from "@troupe/actor-interfaces";
import {
  createEmbeddedRuntime,
  createMemoryBackend,
  silentLogger,
  type EmbeddedRuntime,
  type StateBackend,
} from "@troupe/actor-runtime";
import type { AssistantMessage, ModelClient } from "@troupe/agent-loop";
import { afterEach, describe, expect, it } from "vitest";
import { chatServiceActors } from "../src/actors/index.ts";
import { meteredBackend } from "./metered-backend.ts";
import { SessionEventStream } from "../src/agents/event-stream.ts";
import { SessionExecutors } from "../src/agents/executor.ts";
import { SessionStreams, type StreamEvent } from "../src/agents/session-streams.ts";
import { deterministicEngine } from "../src/reply/deterministic.ts";

/** A model that streams `words` words, one text delta each, with the partial snapshots the loop carries. */
function streamingModel(words: number): ModelClient {
  return {
    model: "streaming",
    async complete(_request, options = {}) {
      const message = (text: string, stopReason: "stop" = "stop"): AssistantMessage => ({
        role: "assistant",
        content: [{ type: "text", text }],
        model: "streaming",
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
        stopReason,
        timestamp: 0,
      });
      let text = "";
      options.onEvent?.({ type: "start", partial: message("") });
      options.onEvent?.({ type: "text_start", contentIndex: 0, partial: message("") });
      for (let i = 0; i < words; i++) {
        const delta = `word${i} `;
        text += delta;
        options.onEvent?.({ type: "text_delta", contentIndex: 0, delta, partial: message(text) });
      }
      options.onEvent?.({ type: "text_end", contentIndex: 0, content: text, partial: message(text) });
      return message(text);
    },
  };
}

describe("agent progress", () => {
  let runtime: EmbeddedRuntime | undefined;
  afterEach(async () => runtime?.stop());

  async function start(model: ModelClient, state: StateBackend, published: Json[] = []) {
    const streams = new SessionStreams();
    const events = {
      publish: async (_topic: string, event: { data: Json }) => void published.push(event.data),
    };
    // The executor reaches the actors through the runtime, which needs the executor first.
    const platform = { actors: undefined as unknown as ActorClient, events };
    const executors = new SessionExecutors({
      model,
      tools: async () => [],
      systemPrompt: "test",
      captureContent: false,
      platform,
      streams,
      eventsTopic: "agent-events",
      log: silentLogger,
    });
    runtime = await createEmbeddedRuntime({
      registrations: chatServiceActors({ events, engine: deterministicEngine(), executors }),
      state,
      log: silentLogger,
    });
    platform.actors = runtime.actors;
    return { session: (id: string) => runtime!.actors.actor(AgentSession, id), streams };
  }

  async function runToEnd(streams: SessionStreams, sessionId: string, prompt: () => Promise<unknown>) {
    const seen: StreamEvent[] = [];
    let unsubscribe = () => {};
    const ended = new Promise<void>((resolve) => {
      unsubscribe = streams.subscribe(sessionId, {
        onEvent: (e) => seen.push(e),
        onStored: () => {
          if (!streams.feed(sessionId)) resolve();
        },
      });
    });
    await prompt();
    await ended;
    unsubscribe();
    return seen;
  }

  it("stores each completed message once and no deltas: state bytes grow linearly with the reply", async () => {
    const bytesFor = async (words: number) => {
      const state = meteredBackend();
      const { session, streams } = await start(streamingModel(words), state);
      await runToEnd(streams, "s", () => session("s").Prompt({ text: "go" }));
      await runtime!.stop();
      return state;
    };
    const short = await bytesFor(200);
    const long = await bytesFor(2_000);
    const reply = "word0 ".length * 2_000;
    // The reply is in the messages log once; the events refer to it. Quadratic snapshots would be ~1000x.
    expect(long.bytes).toBeLessThan(3 * reply);
    expect(long.bytes / short.bytes).toBeLessThan(12);
    expect(long.writes).toBe(short.writes);
  });

  it("pushes every event live in order, deltas without a sequence number, and GetEvents returns the same stored events", async () => {
    const { session, streams } = await start(streamingModel(50), createMemoryBackend());
    const seen = await runToEnd(streams, "s", () => session("s").Prompt({ text: "go" }));
    const stored = seen.filter((e) => e.seq !== undefined);
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(seen.filter((e) => e.type === "message_update")).toHaveLength(52);
    expect(seen.every((e) => (e.type === "message_update") === (e.seq === undefined))).toBe(true);
    const { events } = await session("s").GetEvents({ after: 0, limit: 1000 });
    expect(events).toEqual(JSON.parse(JSON.stringify(stored)));
  });

  it("feeds a stream on another replica from the stored log when agent.progress notifications arrive", async () => {
    const published: Json[] = [];
    const { session, streams } = await start(streamingModel(20), createMemoryBackend(), published);
    // Replica B hosts no run: its stream reads the stored log whenever a notification reaches B.
    const replicaB = new SessionStreams();
    const seenOnB: StreamEvent[] = [];
    const streamOnB = new SessionEventStream({
      sessionId: "s",
      after: 0,
      streams: replicaB,
      readStored: async (after) => (await session("s").GetEvents({ after, limit: 200 })).events,
      write: (e) => seenOnB.push(e),
      fail: (err) => {
        throw err;
      },
    });
    streamOnB.start();
    const onA = await runToEnd(streams, "s", () => session("s").Prompt({ text: "go" }));
    for (const _notification of published) replicaB.notifyStored("s");
    const stored = onA.filter((e) => e.seq !== undefined);
    while (seenOnB.length < stored.length) await new Promise((resolve) => setImmediate(resolve));
    expect(seenOnB).toEqual(JSON.parse(JSON.stringify(stored)));
    expect(published.length).toBeGreaterThan(0);
    streamOnB.close();
  });

  it("numbers a second run's events after the first's", async () => {
    const { session, streams } = await start(streamingModel(3), createMemoryBackend());
    const first = await runToEnd(streams, "s", () => session("s").Prompt({ text: "one" }));
    const second = await runToEnd(streams, "s", () => session("s").Prompt({ text: "two" }));
    const lastOfFirst = first.filter((e) => e.seq !== undefined).at(-1)!.seq!;
    expect(second.find((e) => e.seq !== undefined)?.seq).toBe(lastOfFirst + 1);
    const { events } = await session("s").GetEvents({ after: lastOfFirst, limit: 1000 });
    expect(events.map((e) => e.seq)).toEqual(second.flatMap((e) => (e.seq === undefined ? [] : [e.seq])));
  });
});

describe("SessionEventStream", () => {
  const event = (seq: number | undefined, type = "turn_start"): StreamEvent => ({
    ...(seq === undefined ? {} : { seq }),
    type,
    data: { type },
  });

  /** A stored log the test controls; each read resolves when the test releases it (a rendezvous). */
  function storedLog(initial: number[]) {
    const log: SessionEvent[] = initial.map((seq) => ({
      seq,
      type: "turn_start",
      data: { type: "turn_start" },
    }));
    const reads: { after: number; release: () => void }[] = [];
    return {
      log,
      reads,
      read: (after: number) =>
        new Promise<SessionEvent[]>((resolve) =>
          reads.push({ after, release: () => resolve(log.filter((e) => e.seq > after).slice(0, 2)) }),
        ),
    };
  }

  const flush = () => new Promise((r) => setImmediate(r));

  /** Answers the stream's reads until it asks for no more. */
  async function drain(store: ReturnType<typeof storedLog>) {
    await flush();
    let answered = 0;
    while (answered < store.reads.length) {
      store.reads[answered++]!.release();
      await flush();
    }
  }

  function open(streams: SessionStreams, read: (after: number) => Promise<SessionEvent[]>, after = 0) {
    const written: StreamEvent[] = [];
    const stream = new SessionEventStream({
      sessionId: "s",
      after,
      streams,
      readStored: read,
      write: (e) => written.push(e),
      fail: (err) => {
        throw err;
      },
    });
    stream.start();
    return { written, stream };
  }

  const seqs = (events: StreamEvent[]) => events.map((e) => e.seq ?? "delta");

  it("catches up from the stored log in pages, then goes quiet until something happens", async () => {
    const streams = new SessionStreams();
    const store = storedLog([1, 2, 3]);
    const { written } = open(streams, store.read);
    await drain(store);
    expect(seqs(written)).toEqual([1, 2, 3]);
    expect(store.reads.map((r) => r.after)).toEqual([0, 2, 3]);
    await flush();
    expect(store.reads).toHaveLength(3);
  });

  it("joins a run mid-way: older events from the store, the run's from its feed, then live; no duplicates", async () => {
    const streams = new SessionStreams();
    const store = storedLog([1, 2]);
    const feed = streams.open("s", 3);
    feed.push(event(3));
    feed.push(event(undefined, "message_update"));
    feed.push(event(4));
    const { written } = open(streams, store.read);
    feed.push(event(5)); // arrives while the stream still reads the store
    feed.push(event(undefined, "message_update")); // dropped: not caught up yet, event 5 is sent whole
    await drain(store);
    expect(seqs(written)).toEqual([1, 2, 3, 4, 5]);
    feed.push(event(undefined, "message_update"));
    feed.push(event(6));
    store.log.push(...[3, 4, 5, 6].map((seq) => ({ seq, type: "turn_start", data: { type: "turn_start" } })));
    streams.close("s", feed);
    await drain(store);
    expect(seqs(written)).toEqual([1, 2, 3, 4, 5, "delta", 6]);
  });

  it("reads the store when another replica stored events, and fills a gap in the pushed sequence", async () => {
    const streams = new SessionStreams();
    const store = storedLog([]);
    const { written } = open(streams, store.read);
    await drain(store);
    store.log.push({ seq: 1, type: "turn_start", data: { type: "turn_start" } });
    streams.notifyStored("s");
    await drain(store);
    expect(seqs(written)).toEqual([1]);

    // Event 2 was stored by a run elsewhere without a notification reaching us; a local run starts at 3.
    store.log.push({ seq: 2, type: "turn_start", data: { type: "turn_start" } });
    const feed = streams.open("s", 3);
    feed.push(event(3));
    expect(seqs(written)).toEqual([1]);
    await drain(store);
    expect(seqs(written)).toEqual([1, 2, 3]);
  });
});
