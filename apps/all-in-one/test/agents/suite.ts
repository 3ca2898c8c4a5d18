/**
 * AgentSession and the LLM reply engine over HTTP, run against both runtimes. The model is the scripted
 * OpenAI-compatible server (driven per test), reached through the real openai client; tools are
 * tool-service's, reached through service invocation.
 */
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedReply } from "@troupe/agent-loop";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SystemUnderTest } from "../daca/suite.ts";

interface SseEvent {
  /** Stored events have one; live streaming deltas have none. */
  id: number | undefined;
  event: string;
  data: { type: string; [key: string]: unknown };
}

/** Reads the SSE stream until an agent_end arrives (or `timeoutMs` passes). */
async function readEvents(url: string, lastEventId?: number, timeoutMs = 20_000): Promise<SseEvent[]> {
  return (await connectEvents(url, lastEventId, timeoutMs))();
}

/** Connects to the SSE stream (subscribed once this resolves); the returned function reads to agent_end. */
async function connectEvents(
  url: string,
  lastEventId?: number,
  timeoutMs = 20_000,
): Promise<() => Promise<SseEvent[]>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, {
    signal: controller.signal,
    headers: lastEventId === undefined ? {} : { "last-event-id": String(lastEventId) },
  });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  return () => readToEnd(response, controller, timer);
}

async function readToEnd(
  response: Response,
  controller: AbortController,
  timer: NodeJS.Timeout,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  let buffer = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split("\n")
            .filter((l) => !l.startsWith(":"))
            .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
        );
        if (fields.event === undefined) continue;
        const id = fields.id === undefined ? undefined : Number(fields.id);
        events.push({ id, event: fields.event, data: JSON.parse(fields.data!) });
        if (fields.event === "agent_end") return events;
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

async function call(method: string, url: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the system with chat-service's model endpoint set to `modelBaseUrl`. */
export type StartWithModel = (modelBaseUrl: string) => Promise<SystemUnderTest>;

export function defineAgentSuite(name: string, start: StartWithModel) {
  describe(name, () => {
    let model: ScriptedModelServer;
    let system: SystemUnderTest;
    let script: (text: string) => ScriptedReply | Promise<ScriptedReply> = () => ({ text: "ok" });
    const url = (path: string) => `${system.chatUrl}${path}`;

    beforeAll(async () => {
      model = await startScriptedModelServer({
        script: (request) => {
          const last = request.messages.at(-1);
          return last?.role === "tool"
            ? { text: `result: ${String(last.content)}` }
            : script(String(last?.content ?? ""));
        },
      });
      system = await start(model.baseURL);
    });
    afterAll(async () => {
      await system?.stop();
      await model?.close();
    });

    it("replies through the LLM engine: profile in the system prompt, a tool call, the answer stored", async () => {
      const user = `llm-${Date.now().toString(36)}`;
      await call("POST", `${system.memoryUrl}/memories/${user}/initialize`, {
        name: "Ada",
        preferred_style: "formal",
        user_summary: "Ada likes numbers.",
      });
      script = () => ({ toolCalls: [{ name: "calculator", arguments: { expression: "12*12" } }] });
      const before = model.requests.length;
      const reply = await call("POST", url(`/chat/${user}`), { content: "what is 12*12?" });
      expect(reply.status).toBe(200);
      expect(reply.body.response.content).toContain("144");
      const seen = model.requests.slice(before);
      expect(seen.length).toBe(2);
      const instructions = seen[0]!.messages[0]!;
      expect(instructions.role).toBe("system");
      expect(String(instructions.content)).toContain("The user's name is Ada");
      expect(String(instructions.content)).toContain("formal");
      expect(seen[0]!.toolNames).toEqual(
        expect.arrayContaining(["calculator", "get_current_time", "web_fetch"]),
      );
      const history = await call("GET", url(`/chat/${user}/history`));
      expect(history.body.history.at(-1).content).toBe(reply.body.response.content);
    });

    it("runs a plain answer and streams the canonical event sequence, deltas pushed live", async () => {
      script = () => ({ text: "Hello there, friend." });
      const stream = await connectEvents(url("/agents/plain/events"));
      expect((await call("POST", url("/agents/plain/prompt"), { text: "hi" })).status).toBe(202);
      const events = await stream();
      const stored = events.filter((e) => e.id !== undefined);
      expect(stored.map((e) => e.event)).toEqual([
        "agent_start",
        "turn_start",
        "message_start",
        "message_end",
        "message_start",
        "message_end",
        "turn_end",
        "agent_end",
      ]);
      expect(stored.map((e) => e.id)).toEqual(stored.map((_, i) => i + 1));
      const deltas = events.filter((e) => e.event === "message_update");
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.every((e) => e.id === undefined)).toBe(true);
      const streamed = deltas.map((e) => (e.data["assistantMessageEvent"] as { delta?: string }).delta ?? "");
      expect(streamed.join("")).toBe("Hello there, friend.");
      expect(events.at(-2)?.data).toMatchObject({ type: "turn_end", message: { role: "assistant" } });
      // Read back from the stored log (messages stored once, referenced by the events): the same events.
      expect(await readEvents(url("/agents/plain/events"))).toEqual(stored);
      const state = await until(
        () => call("GET", url("/agents/plain")),
        (r) => r.body.status === "idle",
      );
      expect(state.body.error).toBeNull();
      expect(state.body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant"]);
    });

    it("calls tool-service tools through service invocation", async () => {
      script = () => ({ toolCalls: [{ name: "calculator", arguments: { expression: "6*7" } }] });
      await call("POST", url("/agents/tools/prompt"), { text: "what is 6*7?" });
      const events = await readEvents(url("/agents/tools/events"));
      const end = events.find((e) => e.event === "tool_execution_end");
      expect(end?.data).toMatchObject({ toolName: "calculator", isError: false });
      const state = await until(
        () => call("GET", url("/agents/tools")),
        (r) => r.body.status === "idle",
      );
      expect(JSON.stringify(state.body.messages.at(-1))).toContain("42");
    });

    it("answers Steer and GetState while a model call is held open, and refuses a second prompt", async () => {
      // The first model call answers only when the test lets it: everything below happens during it.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      script = async (text) => {
        if (text !== "slow") return { text: `steered: ${text}` };
        await held;
        return { text: "finally" };
      };
      await call("POST", url("/agents/busy/prompt"), { text: "slow" });
      await until(
        () => call("GET", url("/agents/busy")),
        (r) => r.body.status === "running",
      );
      const state = await call("GET", url("/agents/busy"));
      const second = await call("POST", url("/agents/busy/prompt"), { text: "again" });
      const steer = await call("POST", url("/agents/busy/steer"), { text: "change of plan" });
      expect(state.status).toBe(200);
      expect(state.body.status).toBe("running");
      expect(second.status).toBe(409);
      expect(steer.status).toBe(202);
      release();

      const done = await until(
        () => call("GET", url("/agents/busy")),
        (r) => r.body.status === "idle",
        20_000,
      );
      const texts = JSON.stringify(done.body.messages);
      expect(texts).toContain("change of plan");
      expect(texts).toContain("steered: change of plan");
    });

    it("aborts a run mid-call and reports it", async () => {
      script = () => ({ text: "never", delayMs: 10_000 });
      await call("POST", url("/agents/abort/prompt"), { text: "long" });
      await until(
        () => call("GET", url("/agents/abort")),
        (r) => r.body.status === "running",
      );
      expect((await call("POST", url("/agents/abort/abort"))).body).toEqual({ aborted: true });
      const state = await until(
        () => call("GET", url("/agents/abort")),
        (r) => r.body.status === "idle",
      );
      expect(state.body.status).toBe("idle");
      expect(state.body.error).toMatch(/abort/i);
      expect(state.body.messages.at(-1)).toMatchObject({ role: "assistant", stopReason: "aborted" });
    });

    it("resumes the event stream from Last-Event-ID", async () => {
      script = () => ({ text: "one two three" });
      await call("POST", url("/agents/resume/prompt"), { text: "go" });
      const all = (await readEvents(url("/agents/resume/events"))).filter((e) => e.id !== undefined);
      const cut = all[3]!.id!;
      const rest = await readEvents(url("/agents/resume/events"), cut);
      expect(rest).toEqual(all.filter((e) => e.id! > cut));
    });

    it("starts one run for a prompt retried with the same Idempotency-Key", async () => {
      script = () => ({ text: "done" });
      const prompt = () =>
        fetch(url("/agents/idem/prompt"), {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": "prompt-1" },
          body: JSON.stringify({ text: "once" }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { runId: string } }));
      const first = await prompt();
      const again = await prompt();
      expect([first.status, again.status]).toEqual([202, 202]);
      expect(again.body.runId).toBe(first.body.runId);
      const state = await until(
        () => call("GET", url("/agents/idem")),
        (r) => r.body.status === "idle",
      );
      expect(state.body.messages.filter((m: { role: string }) => m.role === "user")).toHaveLength(1);
    });

    it("rejects bad input with 4xx naming the field", async () => {
      expect((await call("POST", url("/agents/bad/prompt"), { text: " " })).body.error.message).toMatch(
        /text/,
      );
      expect((await call("POST", url("/agents/bad/prompt"), {})).body.error.message).toMatch(/text/);
      expect((await call("POST", url("/agents/bad/steer"), { text: "x" })).status).toBe(409);
    });

    it("reports a run interrupted by a host restart, keeping completed messages", async () => {
      script = () => ({ text: "never", delayMs: 30_000 });
      await call("POST", url("/agents/crash/prompt"), { text: "before crash" });
      await until(
        () => call("GET", url("/agents/crash")),
        (r) => r.body.messages.length === 1,
      );
      await system.restartChatService();
      const state = await call("GET", url("/agents/crash"));
      expect(state.body.status, JSON.stringify(state.body)).toBe("idle");
      expect(state.body.messages[0]).toMatchObject({ role: "user", content: "before crash" });
      expect(state.body.error).toBeTruthy();
    });
  });
}
