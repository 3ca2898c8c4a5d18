import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ActorCallError,
  ChatAgent,
  MemoryAgent,
  conversationIdOf,
  conversationUpdated,
  defaultProfile,
  expectedErrorBody,
  isValidId,
  memoryAgentId,
  parseConversationUpdated,
  responseAgentId,
  TroupeError,
  type ActorProxy,
  type ChatMessage,
  type ShapeOf,
} from "../src/index.ts";

describe("id conventions", () => {
  it("derives child and peer ids and maps them back", () => {
    expect(responseAgentId("user1")).toBe("response-user1");
    expect(memoryAgentId("user1")).toBe("memory-user1");
    expect(conversationIdOf("response-user1")).toBe("user1");
    expect(conversationIdOf("memory-user1")).toBe("user1");
    expect(conversationIdOf("user1")).toBe("user1");
  });

  it("accepts URL-safe ids of 1..100 characters only", () => {
    expect(isValidId("user_1.a~b-c")).toBe(true);
    expect(isValidId("")).toBe(false);
    expect(isValidId("a".repeat(101))).toBe(false);
    expect(isValidId("a b")).toBe(false);
    expect(isValidId(".")).toBe(false);
    expect(isValidId("..")).toBe(false);
    expect(isValidId("...")).toBe(true);
    expect(isValidId(".a")).toBe(true);
    expect(isValidId("a/b")).toBe(false);
  });
});

describe("actor types", () => {
  it("carry the wire name and exactly the shape's methods", () => {
    expect(ChatAgent.name).toBe("ChatAgent");
    expect([...ChatAgent.methods].sort()).toEqual([
      "ClearHistory",
      "GetConversationHistory",
      "ProcessMessage",
    ]);
    expect(MemoryAgent.methods.has("ApplyConversationEvent")).toBe(true);
  });

  it("give proxies the contract's argument and return types", () => {
    type Chat = ActorProxy<ShapeOf<typeof ChatAgent>>;
    expectTypeOf<Parameters<Chat["ProcessMessage"]>[0]>().toEqualTypeOf<{
      role: "user";
      content: string;
      session_id?: string;
      idempotency_key?: string;
    }>();
    expectTypeOf<ReturnType<Chat["ProcessMessage"]>>().toEqualTypeOf<
      Promise<ChatMessage & { session_id: string }>
    >();
    // Methods whose input has no required field may be called without an argument.
    expectTypeOf<Chat["ClearHistory"]>().parameter(0).toEqualTypeOf<Record<string, never> | undefined>();
  });
});

describe("ConversationUpdated", () => {
  const valid = conversationUpdated({
    conversationId: "c1",
    userId: "c1",
    sessionId: "s1",
    sequence: 3,
    input: { role: "user", content: "hi" },
    output: { role: "assistant", content: "hello" },
    timestamp: "2026-01-01T00:00:00.000Z",
  });

  it("keeps the DACA tutorials' field names", () => {
    expect(valid).toMatchObject({
      event_type: "ConversationUpdated",
      actor_id: "c1",
      user_message: "hi",
      assistant_reply: "hello",
    });
    expect(parseConversationUpdated(valid)).toEqual({ ok: true, value: valid });
  });

  it("names the first bad field of malformed data", () => {
    expect(parseConversationUpdated("x")).toEqual({ ok: false, error: "data must be an object" });
    expect(parseConversationUpdated({ ...valid, sequence: 0 })).toMatchObject({
      ok: false,
      error: expect.stringContaining("sequence"),
    });
    expect(parseConversationUpdated({ ...valid, session_id: "" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("session_id"),
    });
    expect(parseConversationUpdated({ ...valid, output: { role: "robot", content: "x" } })).toMatchObject({
      ok: false,
      error: expect.stringContaining("output"),
    });
  });

  it("defaults an unknown user's profile as the DACA tutorials do", () => {
    expect(defaultProfile("junaid")).toEqual({
      name: "junaid",
      preferred_style: "casual",
      user_summary: "junaid is a new user.",
    });
  });
});

describe("expectedErrorBody", () => {
  it("takes TroupeErrors and 4xx actor call errors as expected, with their code, message and status", () => {
    expect(expectedErrorBody(new TroupeError("busy", "try later", 409))).toEqual({
      code: "busy",
      message: "try later",
      status: 409,
    });
    const missing = new ActorCallError("T", "1", "M", 404, "no such method", "actor_method_not_found");
    expect(expectedErrorBody(missing)).toEqual({
      code: "actor_method_not_found",
      message: missing.message,
      status: 404,
    });
  });

  it("takes everything else as unexpected", () => {
    expect(expectedErrorBody(new ActorCallError("T", "1", "M", 500, "boom"))).toBeUndefined();
    expect(
      expectedErrorBody(new ActorCallError("T", "1", "M", 504, "late", "actor_call_timeout")),
    ).toBeUndefined();
    expect(expectedErrorBody(new Error("boom"))).toBeUndefined();
    expect(expectedErrorBody("boom")).toBeUndefined();
  });
});
