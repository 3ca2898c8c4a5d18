import { randomUUID } from "node:crypto";
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { toLlmWireMessages } from "./wire.ts";
import { emptyUsage, snapshot } from "./messages.ts";
import { traceModelCall } from "./tracing.ts";
import type {
  AssistantMessage,
  AssistantMessageEvent,
  Json,
  JsonObject,
  ModelCallOptions,
  ModelClient,
  ModelRequest,
  TextContent,
  ToolCall,
} from "./types.ts";

/**
 * Retry policy for one model call. A call is retried only when it failed BEFORE any streamed data arrived
 * (a half-streamed answer is never replayed), and only for: HTTP 429, HTTP 5xx, connection errors and
 * connect timeouts. The wait before retry n (0-based) is min(maxDelayMs, baseDelayMs * 2^n) with ±20 %
 * jitter, or the server's Retry-After (seconds) when present, capped at maxDelayMs. The openai client's own
 * retries are disabled (maxRetries 0) so this is the only policy.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (default 2, so at most 3 requests). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 8_000 };

export interface OpenAIModelOptions {
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1, a scripted server's baseURL. */
  baseURL: string;
  model: string;
  /** Sent as a bearer token; local servers accept any value (default "not-needed"). */
  apiKey?: string;
  /** Milliseconds until the response headers arrive (per attempt). Default 60 000. */
  timeoutMs?: number;
  /** Milliseconds allowed between two streamed chunks before the call fails. Default 60 000. */
  idleTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Optional sampling settings; omitted from the request when undefined. */
  temperature?: number;
  maxTokens?: number;
  /** Ask for a final usage chunk (stream_options.include_usage). Default true. */
  includeUsage?: boolean;
  /** Record prompt and completion text on the `chat` span (off by default: it may hold personal data). */
  captureContent?: boolean;
  /** Name for gen_ai.provider.name on spans (default "openai"; e.g. "ollama", "gcp.gemini"). */
  providerName?: string;
}

/** An OpenAI-compatible streaming chat-completions model. Reads no environment; the caller passes it all. */
export function createOpenAIModel(options: OpenAIModelOptions): ModelClient {
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey ?? "not-needed",
    timeout: options.timeoutMs ?? 60_000,
    maxRetries: 0,
  });
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  return {
    model: options.model,
    complete: (request, callOptions = {}) =>
      traceModelCall(
        {
          model: options.model,
          provider: options.providerName ?? "openai",
          captureContent: !!options.captureContent,
          request,
        },
        () => completeWithRetries(client, options, policy, request, callOptions),
      ),
  };
}

async function completeWithRetries(
  client: OpenAI,
  options: OpenAIModelOptions,
  policy: RetryPolicy,
  request: ModelRequest,
  callOptions: ModelCallOptions,
): Promise<AssistantMessage> {
  const signal = callOptions.signal;
  for (let attempt = 0; ; attempt++) {
    const stream = new StreamAccumulator(options.model, callOptions.onEvent);
    if (signal?.aborted) return stream.fail("aborted", "Request was aborted");
    try {
      return await streamOnce(client, options, request, stream, signal);
    } catch (err) {
      if (signal?.aborted || err instanceof APIUserAbortError)
        return stream.fail("aborted", "Request was aborted");
      const message = describeError(err);
      if (stream.receivedData || attempt >= policy.maxRetries || !isRetryable(err))
        return stream.fail("error", message);
      const waited = await sleep(retryDelay(err, attempt, policy), signal);
      if (!waited) return stream.fail("aborted", "Request was aborted");
    }
  }
}

async function streamOnce(
  client: OpenAI,
  options: OpenAIModelOptions,
  request: ModelRequest,
  acc: StreamAccumulator,
  outerSignal: AbortSignal | undefined,
): Promise<AssistantMessage> {
  // Our own controller adds the idle timeout on top of the caller's signal.
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  outerSignal?.addEventListener("abort", onAbort, { once: true });
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let idleTimer: NodeJS.Timeout | undefined;
  let idleFired = false;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleFired = true;
      controller.abort();
    }, idleMs);
  };
  try {
    const body = {
      model: options.model,
      messages: toLlmWireMessages(request) as ChatCompletionMessageParam[],
      stream: true as const,
      ...(options.includeUsage === false ? {} : { stream_options: { include_usage: true } }),
      ...(request.tools.length > 0 ? { tools: request.tools.map(toWireTool) } : {}),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
    };
    const stream = await client.chat.completions.create(body, { signal: controller.signal });
    armIdle();
    for await (const chunk of stream) {
      armIdle();
      acc.onChunk(chunk);
    }
    // The openai Stream ends quietly (no throw) when its signal aborts: tell an abort from a real end.
    if (idleFired && !outerSignal?.aborted) throw new IdleTimeoutError(idleMs);
    if (outerSignal?.aborted) throw new APIUserAbortError();
    return acc.finish();
  } catch (err) {
    if (idleFired && !outerSignal?.aborted) throw new IdleTimeoutError(idleMs);
    throw err;
  } finally {
    clearTimeout(idleTimer);
    outerSignal?.removeEventListener("abort", onAbort);
  }
}

class IdleTimeoutError extends Error {
  constructor(ms: number) {
    super(`model stream stalled: no data for ${ms} ms`);
  }
}

function toWireTool(tool: ModelRequest["tools"][number]): ChatCompletionTool {
  return {
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  };
}

function isRetryable(err: unknown): boolean {
  if (err instanceof APIConnectionError || err instanceof APIConnectionTimeoutError) return true;
  if (err instanceof APIError && typeof err.status === "number")
    return err.status === 429 || err.status >= 500;
  return false;
}

function retryDelay(err: unknown, attempt: number, policy: RetryPolicy): number {
  const header = err instanceof APIError ? (err.headers as Headers | undefined)?.get("retry-after") : null;
  const seconds = header ? Number(header) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(policy.maxDelayMs, seconds * 1000);
  const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return base * (0.8 + Math.random() * 0.4);
}

function describeError(err: unknown): string {
  if (err instanceof APIError && typeof err.status === "number")
    return `model request failed (${err.status}): ${err.message}`;
  if (err instanceof Error) return `model request failed: ${err.message}`;
  return `model request failed: ${String(err)}`;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Builds one assistant message from streamed chunks and emits the AssistantMessageEvents: `start` on the
 * first data, text_start/delta/end for the text block, toolcall_start/delta/end per tool call (OpenAI
 * streams tool calls by `index`, with the id and name in the first delta and argument fragments after).
 */
class StreamAccumulator {
  receivedData = false;
  private readonly message: AssistantMessage;
  private textIndex: number | undefined;
  private readonly toolIndexByWire = new Map<number, { contentIndex: number; args: string }>();
  private finishReason: string | null = null;
  private lastToolWire: number | undefined;

  constructor(
    model: string,
    private readonly onEvent?: (e: AssistantMessageEvent) => void,
  ) {
    this.message = {
      role: "assistant",
      content: [],
      model,
      usage: emptyUsage(),
      stopReason: "stop",
      timestamp: Date.now(),
    };
  }

  onChunk(chunk: ChatCompletionChunk): void {
    if (chunk.usage) {
      this.message.usage = {
        inputTokens: chunk.usage.prompt_tokens ?? 0,
        outputTokens: chunk.usage.completion_tokens ?? 0,
        totalTokens:
          chunk.usage.total_tokens ?? (chunk.usage.prompt_tokens ?? 0) + (chunk.usage.completion_tokens ?? 0),
      };
    }
    const choice = chunk.choices?.[0];
    if (!choice) return;
    this.begin();
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string" && delta.content.length > 0) this.addText(delta.content);
    for (const tc of delta.tool_calls ?? []) this.addToolDelta(tc);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  finish(): AssistantMessage {
    this.begin();
    this.closeText();
    this.closeToolCalls();
    const hasTools = this.message.content.some((c) => c.type === "toolCall");
    const reason = hasTools ? "toolUse" : this.finishReason === "length" ? "length" : "stop";
    this.message.stopReason = reason;
    this.emit({ type: "done", reason, message: snapshot(this.message) });
    return snapshot(this.message);
  }

  fail(reason: "error" | "aborted", errorMessage: string): AssistantMessage {
    this.closeText();
    this.message.stopReason = reason;
    this.message.errorMessage = errorMessage;
    // Tool calls of a failed message are never executed; drop the half-streamed ones.
    this.message.content = this.message.content.filter((c) => c.type === "text");
    this.emit({ type: "error", reason, error: snapshot(this.message) });
    return snapshot(this.message);
  }

  private begin(): void {
    if (this.receivedData) return;
    this.receivedData = true;
    this.emit({ type: "start", partial: snapshot(this.message) });
  }

  private addText(text: string): void {
    if (this.textIndex === undefined) {
      this.textIndex = this.message.content.length;
      this.message.content.push({ type: "text", text: "" });
      this.emit({ type: "text_start", contentIndex: this.textIndex, partial: snapshot(this.message) });
    }
    const block = this.message.content[this.textIndex] as TextContent;
    block.text += text;
    this.emit({
      type: "text_delta",
      contentIndex: this.textIndex,
      delta: text,
      partial: snapshot(this.message),
    });
  }

  private closeText(): void {
    if (this.textIndex === undefined) return;
    const index = this.textIndex;
    this.textIndex = undefined;
    const block = this.message.content[index] as TextContent;
    this.emit({
      type: "text_end",
      contentIndex: index,
      content: block.text,
      partial: snapshot(this.message),
    });
  }

  /**
   * OpenAI streams each call under an `index`, with id and name in its first delta and argument fragments
   * after. Some servers (Gemini's compatible endpoint) omit `index`: then a delta with a new id starts a new
   * call and one without continues the last. A missing id gets a unique one (ids key idempotency). An
   * opaque `extra_content` (Gemini's thought signatures) is kept and sent back with the call.
   */
  private addToolDelta(tc: ChatCompletionChunk.Choice.Delta.ToolCall): void {
    const raw = tc as ChatCompletionChunk.Choice.Delta.ToolCall & { index?: number; extra_content?: Json };
    const last = this.lastToolWire;
    const lastCall = last === undefined ? undefined : this.toolCallAt(last);
    const wireIndex =
      typeof raw.index === "number"
        ? raw.index
        : last !== undefined && (!raw.id || raw.id === lastCall?.id)
          ? last
          : this.toolIndexByWire.size + 1_000_000;
    let entry = this.toolIndexByWire.get(wireIndex);
    if (!entry) {
      this.closeText();
      entry = { contentIndex: this.message.content.length, args: "" };
      this.toolIndexByWire.set(wireIndex, entry);
      this.message.content.push({
        type: "toolCall",
        id: raw.id || `call_${randomUUID()}`,
        name: raw.function?.name ?? "",
        arguments: {},
      });
      this.emit({
        type: "toolcall_start",
        contentIndex: entry.contentIndex,
        partial: snapshot(this.message),
      });
    }
    this.lastToolWire = wireIndex;
    const call = this.message.content[entry.contentIndex] as ToolCall;
    if (raw.id) call.id = raw.id;
    if (raw.function?.name && !call.name) call.name = raw.function.name;
    if (raw.extra_content !== undefined && raw.extra_content !== null) call.extraContent = raw.extra_content;
    const fragment = raw.function?.arguments ?? "";
    if (fragment) {
      entry.args += fragment;
      this.emit({
        type: "toolcall_delta",
        contentIndex: entry.contentIndex,
        delta: fragment,
        partial: snapshot(this.message),
      });
    }
  }

  private toolCallAt(wireIndex: number): ToolCall | undefined {
    const entry = this.toolIndexByWire.get(wireIndex);
    return entry ? (this.message.content[entry.contentIndex] as ToolCall) : undefined;
  }

  private closeToolCalls(): void {
    for (const entry of this.toolIndexByWire.values()) {
      const call = this.message.content[entry.contentIndex] as ToolCall;
      const parsed = parseArguments(entry.args);
      if ("error" in parsed) call.argumentsError = parsed.error;
      else call.arguments = parsed.value;
      this.emit({
        type: "toolcall_end",
        contentIndex: entry.contentIndex,
        toolCall: { ...call },
        partial: snapshot(this.message),
      });
    }
    this.toolIndexByWire.clear();
  }

  private emit(event: AssistantMessageEvent): void {
    this.onEvent?.(event);
  }
}

function parseArguments(raw: string): { value: JsonObject } | { error: string } {
  if (raw.trim() === "") return { value: {} };
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return { value: value as JsonObject };
    return { error: "tool arguments must be a JSON object" };
  } catch (err) {
    return {
      error: `tool arguments are not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
