import { MemoryAgent, memoryAgentId, type ChatMessage, type UserProfile } from "@troupe/actor-interfaces";
import { messageText, runAgentLoop, userMessage, type AgentTool, type ModelClient } from "@troupe/agent-loop";
import type { ReplyEngine } from "./engine.ts";

/** The answer when the model fails (as in the DACA tutorials); the exchange is still stored and counted. */
export const LLM_FAILURE_REPLY = "I'm sorry, I encountered an error while processing your message.";

export interface LlmEngineOptions {
  model: ModelClient;
  /** Tools offered to the model; `scope` makes idempotency keys unique per reply. */
  tools: (scope: string) => Promise<AgentTool[]>;
  captureContent?: boolean;
}

/**
 * ResponseAgent's LLM engine: runs the agent loop (tools through tool-service) with a system prompt built
 * as the DACA tutorials build it, from the user's profile (MemoryAgent), the memory window and the last exchanges.
 */
export function llmEngine(options: LlmEngineOptions): ReplyEngine {
  return {
    name: "llm",
    async reply({ conversationId, content, count, memory, recent, actors, signal }) {
      const profile = await actors.actor(MemoryAgent, memoryAgentId(conversationId)).GetProfile({});
      const tools = await options.tools(`reply:${conversationId}:${count}`);
      const systemPrompt = systemPromptFor(profile, memory, recent);
      const added = await runAgentLoop(
        [userMessage(content)],
        { systemPrompt, messages: [], tools },
        { model: options.model, captureContent: options.captureContent ?? false },
        () => {},
        signal,
      );
      const answer = added.findLast((m) => m.role === "assistant");
      if (
        !answer ||
        answer.role !== "assistant" ||
        answer.stopReason === "error" ||
        answer.stopReason === "aborted"
      ) {
        return LLM_FAILURE_REPLY;
      }
      return messageText(answer);
    },
  };
}

export function systemPromptFor(profile: UserProfile, memory: ChatMessage[], recent: ChatMessage[]): string {
  const lines = (messages: ChatMessage[]) =>
    messages.map((m) => `${m.role === "user" ? "User" : "Assistant"}: ${m.content}`).join("\n");
  const history = recent.length > 0 ? lines(recent) : "No prior conversation.";
  const remembered = memory.length > 0 ? `\nRemembered context:\n${lines(memory)}` : "";
  return (
    `You are a helpful chatbot. Respond in a ${profile.preferred_style} way. ` +
    `If the user asks for the time, use the get_current_time tool. The user's name is ${profile.name}. ` +
    `User summary: ${profile.user_summary}.${remembered}\nConversation history:\n${history}`
  );
}
