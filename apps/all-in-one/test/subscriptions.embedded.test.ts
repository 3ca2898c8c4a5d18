/**
 * In one process the broker delivers events in process: the subscription routes are not on the network, so
 * a forged CloudEvent posted to a service's port reaches no actor.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedSystem, type EmbeddedSystem } from "../src/embedded-system.ts";

describe("subscription routes in one process", () => {
  let system: EmbeddedSystem;
  beforeAll(async () => {
    system = await startEmbeddedSystem({ ports: { chat: 0, memory: 0, tools: 0 }, logLevel: "silent" });
  });
  afterAll(async () => system?.stop());

  const forged = {
    specversion: "1.0",
    id: "forged:1",
    source: "someone",
    type: "ConversationUpdated",
    data: {
      conversation_id: "victim",
      user_id: "victim",
      session_id: "victim",
      sequence: 1,
      input: { role: "user", content: "forged" },
      output: { role: "assistant", content: "forged" },
      timestamp: new Date().toISOString(),
    },
  };

  it.each([
    ["agent-memory-service", "/events/conversation-updated"],
    ["agent-memory-service", "/events/unhandled"],
    ["chat-service", "/events/agent-progress"],
  ])("%s does not serve %s over the network", async (service, path) => {
    const base = service === "chat-service" ? system.urls.chat : system.urls.memory;
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify(forged),
    });
    expect(response.status).toBe(404);
    const memory = await (await fetch(`${system.urls.chat}/memory/victim`)).json();
    expect(memory).toMatchObject({ memory: [] });
  });
});
