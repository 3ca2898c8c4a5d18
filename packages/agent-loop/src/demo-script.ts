import type { RecordedRequest, ScriptedReply } from "./scripted-server.ts";

/**
 * The default demo's "model" when no LLM is configured: deterministic and useful enough to show the whole
 * path (streaming, tool calls, tool results).
 * - After a tool result: answers from it ("The current time is …", "… = 42").
 * - A user message asking for the time/date, with `get_current_time` offered: calls it (with a timezone
 *   when one like "Europe/Paris" or "UTC" is named).
 * - A user message holding arithmetic (digits with an operator), with `calculator` offered: calls it.
 * - A user message with a URL, with `web_fetch` offered: fetches it.
 * - Otherwise: a plain answer echoing the message.
 */
export function demoScript(request: RecordedRequest): ScriptedReply {
  const last = request.messages.at(-1);
  if (!last) return { text: "Hello! Ask me for the time, or give me some arithmetic." };
  if (last.role === "tool")
    return { text: answerFromTool(request, last.tool_call_id, contentText(last.content)) };
  const text = contentText(last.content);
  const offered = new Set(request.toolNames);
  if (offered.has("get_current_time") && /\b(time|date|clock|today)\b/i.test(text)) {
    const zone = /\b([A-Z][a-z]+\/[A-Z][A-Za-z_]+|UTC)\b/.exec(text)?.[1];
    return {
      text: "Let me check the clock.",
      toolCalls: [{ name: "get_current_time", arguments: zone ? { timezone: zone } : {} }],
    };
  }
  const expression = /[-(]*\d[\d.\s]*(?:[-+*/%^][\s(]*[-\d.][\d.\s)]*)+/.exec(text)?.[0]?.trim();
  if (offered.has("calculator") && expression) {
    return { toolCalls: [{ name: "calculator", arguments: { expression } }] };
  }
  const url = /https?:\/\/\S+/.exec(text)?.[0];
  if (offered.has("web_fetch") && url) return { toolCalls: [{ name: "web_fetch", arguments: { url } }] };
  return {
    text: `You said: "${text}". (This is the scripted demo model; configure OPENAI_BASE_URL for a real one.)`,
  };
}

function answerFromTool(request: RecordedRequest, toolCallId: string | undefined, result: string): string {
  const call = request.messages
    .flatMap((m) => (Array.isArray(m.tool_calls) ? m.tool_calls : []))
    .find((c) => (c as { id?: string }).id === toolCallId) as
    { function?: { name?: string; arguments?: string } } | undefined;
  const name = call?.function?.name;
  if (name === "get_current_time") return `The current time is ${result}.`;
  if (name === "calculator") {
    const expression =
      (JSON.parse(call?.function?.arguments ?? "{}") as { expression?: string }).expression ?? "";
    return `${expression} = ${result}`;
  }
  return `The tool ${name ?? "call"} returned: ${result.slice(0, 500)}`;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p) => (typeof p === "object" && p && "text" in p ? String((p as { text: unknown }).text) : ""))
      .join("");
  return "";
}
