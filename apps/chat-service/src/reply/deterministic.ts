import type { ReplyEngine } from "./engine.ts";

/**
 * The seed's reply, byte for byte in shape:
 * `Memory: <context>. Got your message: <content> at <ISO timestamp>`, where context is the memory window
 * (`role: content` joined by `; `) or `Message count: n` while memory is empty.
 */
export function deterministicEngine(now: () => Date = () => new Date()): ReplyEngine {
  return {
    name: "deterministic",
    async reply({ memory, count, content }) {
      const context =
        memory.length > 0
          ? memory.map((m) => `${m.role}: ${m.content}`).join("; ")
          : `Message count: ${count}`;
      return `Memory: ${context}. Got your message: ${content} at ${now().toISOString()}`;
    },
  };
}
