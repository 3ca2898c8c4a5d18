/**
 * The black-box HTTP suite of the DACA system (issue 4), run unchanged against `npm start` (embedded)
 * and against the real Dapr stack. It talks to the services over HTTP only. Event-driven effects are
 * awaited by polling with a generous bound (`eventually`), never by fixed sleeps.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

export interface SystemUnderTest {
  chatUrl: string;
  memoryUrl: string;
  /** Stops chat-service and starts it again on the same port, keeping durable state. */
  restartChatService(): Promise<void>;
  /** Delivers a CloudEvent to agent-memory-service's subscription route `path` as the broker does. */
  deliverToMemory(path: string, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

const ISO = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})";

interface Json {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
}

async function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Json> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** An HTTP request whose path is sent exactly as given (fetch would normalise `.` and `..` away). */
function rawRequest(
  method: string,
  base: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { method, hostname, port, path, headers: { "content-type": "application/json" } },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on("error", reject);
    request.end(JSON.stringify(body));
  });
}

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

let unique = 0;
const newId = (label: string) => `${label}-${Date.now().toString(36)}-${(unique++).toString(36)}`;

export function defineDacaSuite(name: string, start: () => Promise<SystemUnderTest>) {
  describe(name, () => {
    let sut: SystemUnderTest;
    const chat = (path: string) => `${sut.chatUrl}${path}`;
    const mem = (path: string) => `${sut.memoryUrl}${path}`;
    const send = (id: string, content: string) =>
      call("POST", chat(`/chat/${id}`), { role: "user", content });
    const memoryOf = async (id: string) =>
      (await call("GET", chat(`/memory/${id}`))).body.memory as unknown[];

    beforeAll(async () => {
      sut = await start();
    });
    afterAll(async () => {
      await sut?.stop();
    });

    it("welcomes on GET / of both services", async () => {
      expect((await call("GET", chat("/"))).body.message).toContain("Welcome to the DACA Chat Service");
      expect((await call("GET", mem("/"))).body.message).toContain(
        "Welcome to the DACA Agent Memory Service",
      );
    });

    it("replies with Message count: 1 first, fills memory from the event, then replies with the memory", async () => {
      const id = newId("seed");
      const first = await send(id, "Hello!");
      expect(first.status).toBe(200);
      expect(first.body.response.role).toBe("assistant");
      expect(first.body.response.content).toMatch(
        new RegExp(`^Memory: Message count: 1\\. Got your message: Hello! at ${ISO}$`),
      );

      const memory = await eventually(
        () => memoryOf(id),
        (m) => m.length === 2,
      );
      expect(memory).toMatchObject([
        { role: "user", content: "Hello!" },
        { role: "assistant", content: first.body.response.content },
      ]);

      const second = await send(id, "What did I say?");
      expect(second.body.response.content).toMatch(
        new RegExp(
          `^Memory: user: Hello!; assistant: Memory: Message count: 1\\. .* Got your message: What did I say\\? at ${ISO}$`,
        ),
      );
      expect((await call("GET", chat(`/response/${id}/count`))).body).toEqual({ count: 2 });
    });

    it("keeps conversations isolated between ids", async () => {
      const a = newId("iso-a");
      const b = newId("iso-b");
      await send(a, "one");
      await send(a, "two");
      const reply = await send(b, "first for b");
      expect(reply.body.response.content).toContain("Message count: 1.");
      expect((await call("GET", chat(`/response/${a}/count`))).body.count).toBe(2);
      expect((await call("GET", chat(`/response/${b}/count`))).body.count).toBe(1);
      expect((await call("GET", chat(`/chat/${b}/history`))).body.history).toHaveLength(2);
    });

    it("keeps the rolling memory window at 6 messages (3 exchanges)", async () => {
      const id = newId("window");
      for (let i = 1; i <= 5; i++) await send(id, `m${i}`);
      const memory = (await eventually(
        () => memoryOf(id),
        (m) => JSON.stringify(m).includes('"m5"'),
      )) as { content: string }[];
      expect(memory).toHaveLength(6);
      expect(memory.filter((_, i) => i % 2 === 0).map((m) => m.content)).toEqual(["m3", "m4", "m5"]);
    });

    it("returns history chronologically with limit and a before cursor, and clears it", async () => {
      const id = newId("hist");
      for (let i = 1; i <= 3; i++) await send(id, `q${i}`);
      const all = await call("GET", chat(`/chat/${id}/history`));
      expect(all.body.total).toBe(6);
      expect(all.body.history.map((m: { role: string }) => m.role)).toEqual([
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
      ]);
      expect(all.body.history[0].content).toBe("q1");
      expect(all.body.next_before).toBeUndefined();

      const newest = await call("GET", chat(`/chat/${id}/history?limit=2`));
      expect(newest.body.history[0].content).toBe("q3");
      const older = await call("GET", chat(`/chat/${id}/history?limit=2&before=${newest.body.next_before}`));
      expect(older.body.history[0].content).toBe("q2");

      expect((await call("DELETE", chat(`/chat/${id}/history`))).body).toEqual({
        status: "cleared",
        cleared: 6,
      });
      expect((await call("GET", chat(`/chat/${id}/history`))).body.history).toEqual([]);
      await send(id, "after clear");
      expect((await call("GET", chat(`/chat/${id}/history`))).body.history[0].content).toBe("after clear");
    });

    it("serves profiles: defaults for an unknown user, initialize, get", async () => {
      const user = newId("profile");
      expect((await call("GET", mem(`/memories/${user}`))).body).toEqual({
        name: user,
        preferred_style: "casual",
        user_summary: `${user} is a new user.`,
      });
      const metadata = { name: "Junaid", preferred_style: "formal", user_summary: "Junaid enjoys coding." };
      const init = await call("POST", mem(`/memories/${user}/initialize`), metadata);
      expect(init.body).toEqual({ status: "success", user_id: user, metadata });
      expect((await call("GET", mem(`/memories/${user}`))).body).toEqual(metadata);
    });

    it("answers POST /chat/ with a session id and records the session transcript", async () => {
      const user = newId("s002");
      const fresh = await call("POST", chat("/chat/"), { user_id: user, text: "Hi there", tags: ["demo"] });
      expect(fresh.status).toBe(200);
      expect(fresh.body.user_id).toBe(user);
      expect(typeof fresh.body.reply).toBe("string");
      expect(fresh.body.metadata.session_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(fresh.body.metadata.timestamp).toMatch(new RegExp(`^${ISO}$`));

      const sessionId = newId("sess");
      const given = await call("POST", chat("/chat/"), {
        user_id: user,
        text: "again",
        metadata: { session_id: sessionId },
      });
      expect(given.body.metadata.session_id).toBe(sessionId);
      const history = await eventually(
        async () =>
          (await call("GET", mem(`/conversations/${sessionId}`))).body.history as { content: string }[],
        (h) => h.length === 2,
      );
      expect(history.map((m) => m.content)).toEqual(["again", given.body.reply]);
      expect((await call("POST", chat("/chat/"), { user_id: user, text: "  " })).status).toBe(400);
    });

    it("rejects bad input with a 4xx naming the problem and stores nothing", async () => {
      const id = newId("bad");
      const cases: [string, string, unknown, RegExp][] = [
        ["empty content", `/chat/${id}`, { role: "user", content: "" }, /content/],
        ["blank content", `/chat/${id}`, { role: "user", content: "   " }, /content/],
        ["missing content", `/chat/${id}`, { role: "user" }, /content/],
        ["content of the wrong type", `/chat/${id}`, { role: "user", content: 5 }, /content/],
        ["role other than user", `/chat/${id}`, { role: "assistant", content: "x" }, /role/],
        ["id not URL-safe", `/chat/bad%20id`, { content: "x" }, /id/],
        ["id too long", `/chat/${"x".repeat(101)}`, { content: "x" }, /id/],
        ["user id that is a dot segment", `/chat/`, { user_id: "..", text: "x" }, /user_id/],
        ["malformed JSON", `/chat/${id}`, "{not json", /JSON/],
      ];
      for (const [label, path, body, mentions] of cases) {
        const response = await call("POST", chat(path), body);
        expect(response.status, label).toBeGreaterThanOrEqual(400);
        expect(response.status, label).toBeLessThan(500);
        expect(response.body?.error?.message ?? JSON.stringify(response.body), label).toMatch(mentions);
      }
      for (const dots of [".", ".."]) {
        const response = await rawRequest("POST", chat(""), `/chat/${dots}`, { content: "x" });
        expect(response.status, dots).toBe(400);
        expect(response.body, dots).toMatch(/id/);
      }
      const huge = await call("POST", chat(`/chat/${id}`), { content: "x".repeat(2 * 1024 * 1024) });
      expect(huge.status).toBe(413);
      expect((await call("GET", chat(`/response/${id}/count`))).body.count).toBe(0);
      expect((await call("GET", chat(`/chat/${id}/history`))).body.total).toBe(0);
    });

    it("handles 50 concurrent messages to one conversation: exact count, every message once", async () => {
      const id = newId("burst");
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => send(id, `burst-${i}`)));
      expect(replies.every((r) => r.status === 200)).toBe(true);
      expect((await call("GET", chat(`/response/${id}/count`))).body.count).toBe(50);
      const page = await call("GET", chat(`/chat/${id}/history?limit=500`));
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      const { history, total } = page.body;
      expect(total).toBe(100);
      const sent = history
        .filter((m: { role: string }) => m.role === "user")
        .map((m: { content: string }) => m.content);
      expect([...sent].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `burst-${i}`).sort());
      // Every user message is directly followed by its own reply.
      for (let i = 0; i < history.length; i += 2)
        expect(history[i + 1].content).toContain(`Got your message: ${history[i].content} at`);
    });

    it("applies a redelivered event once", async () => {
      const id = newId("redeliver");
      await send(id, "only once");
      await eventually(
        () => memoryOf(id),
        (m) => m.length === 2,
      );
      const event = {
        specversion: "1.0",
        id: `${id}:1`,
        source: "chat-service",
        type: "ConversationUpdated",
        datacontenttype: "application/json",
        data: {
          event_type: "ConversationUpdated",
          conversation_id: id,
          actor_id: id,
          actor_type: "ChatAgent",
          user_id: id,
          session_id: id,
          sequence: 1,
          input: { role: "user", content: "only once" },
          output: { role: "assistant", content: "reply" },
          user_message: "only once",
          assistant_reply: "reply",
          timestamp: new Date().toISOString(),
        },
      };
      expect(await sut.deliverToMemory("/events/conversation-updated", event)).toEqual({ status: "SUCCESS" });
      expect(await memoryOf(id)).toHaveLength(2);
      const session = (await call("GET", mem(`/conversations/${id}`))).body.history;
      expect(session).toHaveLength(2);
      const malformed = await sut.deliverToMemory("/events/conversation-updated", {
        ...event,
        data: { sequence: "x" },
      });
      expect(malformed).toEqual({ status: "DROP" });
    });

    it("applies a message retried with the same Idempotency-Key once, also across a restart", async () => {
      const id = newId("idem");
      const once = (content: string, key = "key-1") =>
        call("POST", chat(`/chat/${id}`), { content }, { "idempotency-key": key });
      const first = await once("pay once");
      expect(first.status).toBe(200);
      expect(await once("pay once")).toEqual(first);
      await sut.restartChatService();
      expect(await once("pay once")).toEqual(first);
      expect((await call("GET", chat(`/response/${id}/count`))).body.count).toBe(1);
      expect((await call("GET", chat(`/chat/${id}/history`))).body.total).toBe(2);

      const reused = await once("something else");
      expect(reused.status).toBe(409);
      expect(reused.body.error.message).toMatch(/Idempotency-Key/);
      const malformed = await once("pay once", "k".repeat(201));
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toMatch(/Idempotency-Key/);

      // POST /chat/ without a session id: the retry gets the first answer's session, not a new one.
      const user = newId("idem-user");
      const session = () =>
        call("POST", chat("/chat/"), { user_id: user, text: "hello" }, { "idempotency-key": "key-2" });
      const a = await session();
      const b = await session();
      expect(b.body.metadata.session_id).toBe(a.body.metadata.session_id);
      expect(b.body.reply).toBe(a.body.reply);
      expect((await call("GET", chat(`/chat/${user}/history`))).body.total).toBe(2);
    });

    it("loses nothing across a restart of chat-service", async () => {
      const id = newId("restart");
      await send(id, "before restart");
      await sut.restartChatService();
      const history = (await call("GET", chat(`/chat/${id}/history`))).body.history as { content: string }[];
      expect(history.map((m) => m.content)[0]).toBe("before restart");
      expect((await call("GET", chat(`/response/${id}/count`))).body.count).toBe(1);
      const reply = await send(id, "after restart");
      expect(reply.status).toBe(200);
      expect((await call("GET", chat(`/response/${id}/count`))).body.count).toBe(2);
    });

    it("serves the OpenAPI document at /docs", async () => {
      const doc = await call("GET", chat("/docs/json"));
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining(["/chat/{id}", "/chat/{id}/history", "/chat/"]),
      );
      expect((await fetch(chat("/docs"))).status).toBeLessThan(400);
    });
  });
}
