/**
 * Open agent event streams cost nothing while idle and are capped per process: one stream more than
 * MAX_EVENT_STREAMS is answered 429, and a closed stream frees its place.
 */
import * as chatService from "@troupe/chat-service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedSystem, type EmbeddedSystem } from "../src/embedded-system.ts";

describe("agent event streams per process", () => {
  let system: EmbeddedSystem;
  beforeAll(async () => {
    system = await startEmbeddedSystem({
      ports: { chat: 0, memory: 0, tools: 0 },
      logLevel: "silent",
      chatConfig: chatService.loadConfig({ MAX_EVENT_STREAMS: "2" }),
    });
  });
  afterAll(async () => system?.stop());

  const open = async (session: string) => {
    const controller = new AbortController();
    const response = await fetch(`${system.urls.chat}/agents/${session}/events`, {
      signal: controller.signal,
    });
    return { response, close: () => controller.abort() };
  };

  it("answers 429 naming the limit beyond MAX_EVENT_STREAMS, and takes a stream again once one closed", async () => {
    const first = await open("cap-a");
    const second = await open("cap-b");
    expect([first.response.status, second.response.status]).toEqual([200, 200]);

    const refused = await fetch(`${system.urls.chat}/agents/cap-c/events`);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/at most 2/);

    first.close();
    // The server learns of the close from the socket; ask until it has (each refusal is immediate).
    let again = await fetch(`${system.urls.chat}/agents/cap-c/events`);
    while (again.status === 429) {
      await again.body?.cancel();
      await new Promise((resolve) => setImmediate(resolve));
      again = await fetch(`${system.urls.chat}/agents/cap-c/events`);
    }
    expect(again.status).toBe(200);
    await again.body?.cancel();
    second.close();
  });
});
