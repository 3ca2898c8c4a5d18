import type { ReplyEngine } from "./engine.ts";

/**
 * The DACA tutorials' reply, byte for byte in shape:
 * `Memory: <context>. Got your message: <content> at <ISO timestamp>`, where context is the memory window
 * (`role: content` joined by `; `) or `Message count: n` while memory is empty.
 *
 * Unlike there, each remembered message is cut to MAX_CONTEXT_CHARS: replies quote the memory, which
 * holds earlier replies, so uncut contexts grow geometrically with every exchange.
 */
export const MAX_CONTEXT_CHARS = 100;

const clip = (text: string) =>
  text.length > MAX_CONTEXT_CHARS ? `${text.slice(0, MAX_CONTEXT_CHARS - 1)}…` : text;

export function deterministicEngine(now: () => Date = () => new Date()): ReplyEngine {
  return {
    name: "deterministic",
    async reply({ memory, count, content }) {
      const context =
        memory.length > 0
          ? memory.map((m) => `${m.role}: ${clip(m.content)}`).join("; ")
          : `Message count: ${count}`;
      return `Memory: ${context}. Got your message: ${content} at ${now().toISOString()}`;
    },
  };
}
