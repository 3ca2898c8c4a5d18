import { SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { AssistantMessage, ModelRequest, ToolResult } from "./types.ts";

/**
 * Spans following the OpenTelemetry GenAI semantic conventions:
 * - `chat {model}` (client span) around every model call: gen_ai.operation.name "chat",
 *   gen_ai.provider.name, gen_ai.request.model, gen_ai.response.finish_reasons,
 *   gen_ai.usage.input_tokens / output_tokens, error.type on failure; prompt and completion text only when
 *   captureContent is on (gen_ai.input.messages / gen_ai.output.messages as JSON strings).
 * - `execute_tool {tool}` (internal span) around every tool execution: gen_ai.operation.name
 *   "execute_tool", gen_ai.tool.name, gen_ai.tool.call.id, gen_ai.tool.type "function"; arguments and
 *   results only when captureContent is on.
 * - `invoke_agent {agent}` (internal span) around a whole run (see traceAgentRun).
 * With no OpenTelemetry SDK registered, @opentelemetry/api hands out no-op spans: this costs nothing.
 */
const tracer = () => trace.getTracer("@troupe/agent-loop");

/**
 * `invoke_agent {name}` (internal span) around a whole run, so its `chat` and `execute_tool` spans share a
 * parent: gen_ai.operation.name "invoke_agent", gen_ai.agent.name.
 */
export async function traceAgentRun<T>(agentName: string, run: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(`invoke_agent ${agentName}`, { kind: SpanKind.INTERNAL }, async (span) => {
    span.setAttributes({ "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agentName });
    try {
      return await run();
    } finally {
      span.end();
    }
  });
}

export async function traceModelCall(
  info: { model: string; provider: string; captureContent: boolean; request: ModelRequest },
  call: () => Promise<AssistantMessage>,
): Promise<AssistantMessage> {
  return tracer().startActiveSpan(`chat ${info.model}`, { kind: SpanKind.CLIENT }, async (span) => {
    span.setAttributes({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": info.provider,
      "gen_ai.request.model": info.model,
    });
    if (info.captureContent) {
      span.setAttribute("gen_ai.input.messages", JSON.stringify(info.request.messages));
      if (info.request.systemPrompt)
        span.setAttribute("gen_ai.system_instructions", info.request.systemPrompt);
    }
    try {
      const message = await call();
      span.setAttributes({
        "gen_ai.response.model": message.model,
        "gen_ai.response.finish_reasons": [message.stopReason],
        "gen_ai.usage.input_tokens": message.usage.inputTokens,
        "gen_ai.usage.output_tokens": message.usage.outputTokens,
      });
      if (info.captureContent) span.setAttribute("gen_ai.output.messages", JSON.stringify([message]));
      if (message.stopReason === "error" || message.stopReason === "aborted") {
        span.setAttribute("error.type", message.stopReason === "aborted" ? "aborted" : "model_error");
        span.setStatus({ code: SpanStatusCode.ERROR, message: message.errorMessage ?? message.stopReason });
      }
      return message;
    } finally {
      span.end();
    }
  });
}

export async function traceToolCall<T extends { result: ToolResult; isError: boolean }>(
  info: { toolName: string; toolCallId: string; captureContent: boolean; args: unknown },
  call: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    `execute_tool ${info.toolName}`,
    { kind: SpanKind.INTERNAL },
    async (span) => {
      span.setAttributes({
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": info.toolName,
        "gen_ai.tool.call.id": info.toolCallId,
        "gen_ai.tool.type": "function",
      });
      if (info.captureContent) span.setAttribute("gen_ai.tool.call.arguments", JSON.stringify(info.args));
      try {
        const outcome = await call(span);
        if (info.captureContent)
          span.setAttribute("gen_ai.tool.call.result", JSON.stringify(outcome.result.content));
        if (outcome.isError) {
          span.setAttribute("error.type", "tool_error");
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: outcome.result.content.map((c) => c.text).join(""),
          });
        }
        return outcome;
      } finally {
        span.end();
      }
    },
  );
}
