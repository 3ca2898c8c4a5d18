import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Json } from "./types.ts";

/**
 * A real HTTP server speaking the OpenAI chat-completions protocol, driven by a script. Used by tests (with
 * the real `openai` client: nothing is mocked) and by the default demo when no model is configured.
 *
 *   POST /v1/chat/completions  stream:true  → SSE `data: {chunk}` lines, then `data: [DONE]`
 *                              stream:false → one chat.completion JSON object
 *   GET  /v1/models            → the configured model name
 *
 * Every request is recorded (`requests`) so a test can assert what the model saw.
 */

export interface ScriptedToolCall {
  /** Default `call_<request>_<index>`. */
  id?: string;
  name: string;
  /** An object (sent as JSON) or a raw string (to test bad JSON). */
  arguments: Json | string;
  /** Sent as the call's `extra_content` (as Gemini does with thought signatures). */
  extraContent?: Json;
}

export interface ScriptedReply {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Default "tool_calls" when toolCalls are given, else "stop". */
  finishReason?: "stop" | "length" | "tool_calls";
  /** Default: about one token per 4 characters of request / reply. */
  usage?: { inputTokens: number; outputTokens: number };
  /** Milliseconds before the response starts (a slow model). */
  delayMs?: number;
  /** Milliseconds between streamed chunks (a slow stream). */
  chunkDelayMs?: number;
  /** Explicit text chunks; by default the text is streamed word by word. */
  chunks?: string[];
  /** Stream tool-call deltas without `index` (as Gemini's compatible endpoint does). */
  omitToolCallIndex?: boolean;
  /** Answer with this HTTP error instead (e.g. 429, 500); `retryAfterSeconds` sets Retry-After. */
  error?: { status: number; message?: string; retryAfterSeconds?: number };
}

export interface RecordedRequest {
  /** 0-based position among chat-completions requests. */
  index: number;
  /** The parsed JSON body as the client sent it. */
  body: { [key: string]: Json };
  messages: { role: string; content?: Json; tool_calls?: Json; tool_call_id?: string }[];
  /** Names of the tools offered. */
  toolNames: string[];
  stream: boolean;
  headers: IncomingMessage["headers"];
}

export type ModelScript =
  ScriptedReply[] | ((request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>);

export interface ScriptedModelServerOptions {
  script: ModelScript;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Reported in responses (default "scripted"). */
  model?: string;
  /**
   * Called right after each streamed text chunk is written to the response, with `performance.now()` of
   * that moment (for latency measurements in the same process, e.g. model delta → SSE client).
   */
  onTextChunk?: (chunk: ScriptedTextChunk) => void;
}

/** One streamed text chunk as written by the scripted server (see `onTextChunk`). */
export interface ScriptedTextChunk {
  /** The request's `index` among chat-completions requests. */
  request: number;
  text: string;
  /** `performance.now()` just after the chunk was written. */
  at: number;
}

export interface ScriptedModelServer {
  /** e.g. http://127.0.0.1:41234/v1 — pass it as the openai client's baseURL. */
  readonly baseURL: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Replaces the script (the request counter keeps running). */
  setScript(script: ModelScript): void;
  close(): Promise<void>;
}

export async function startScriptedModelServer(
  options: ScriptedModelServerOptions,
): Promise<ScriptedModelServer> {
  let script = options.script;
  const requests: RecordedRequest[] = [];
  const model = options.model ?? "scripted";
  let stepIndex = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { message: `scripted server: ${String(err)}`, type: "server_error" } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/v1/models") {
      return sendJson(res, 200, {
        object: "list",
        data: [{ id: model, object: "model", created: 0, owned_by: "troupe" }],
      });
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      return sendJson(res, 404, {
        error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error" },
      });
    }
    const body = JSON.parse(await readBody(req)) as RecordedRequest["body"];
    const recorded: RecordedRequest = {
      index: requests.length,
      body,
      messages: (Array.isArray(body.messages) ? body.messages : []) as RecordedRequest["messages"],
      toolNames: (Array.isArray(body.tools) ? body.tools : []).map((t) => {
        const fn = (t as { function?: { name?: string } }).function;
        return fn?.name ?? "";
      }),
      stream: body.stream === true,
      headers: req.headers,
    };
    requests.push(recorded);
    const reply = await nextReply(recorded);
    const closed = watchClose(res);
    if (reply.delayMs) await pause(reply.delayMs, closed);
    if (closed.value) return;
    if (reply.error) {
      const headers: Record<string, string> = {};
      if (reply.error.retryAfterSeconds !== undefined)
        headers["retry-after"] = String(reply.error.retryAfterSeconds);
      return sendJson(
        res,
        reply.error.status,
        {
          error: {
            message: reply.error.message ?? `scripted error ${reply.error.status}`,
            type: "server_error",
          },
        },
        headers,
      );
    }
    if (recorded.stream) await streamReply(res, recorded, reply, model, closed, options.onTextChunk);
    else sendJson(res, 200, completionObject(recorded, reply, model));
  }

  async function nextReply(request: RecordedRequest): Promise<ScriptedReply> {
    if (typeof script === "function") return script(request);
    const step = script[stepIndex++];
    if (step) return step;
    return { error: { status: 500, message: `scripted model: no step left for request #${request.index}` } };
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    baseURL: `http://${host}:${address.port}/v1`,
    port: address.port,
    requests,
    setScript(next) {
      script = next;
      stepIndex = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A flag set when the client goes away (abort), so a slow script stops writing. */
function watchClose(res: ServerResponse): { value: boolean; wait: Promise<void> } {
  const state = { value: false, wait: Promise.resolve() };
  state.wait = new Promise<void>((resolve) => {
    res.on("close", () => {
      state.value = !res.writableFinished;
      resolve();
    });
  });
  return state;
}

function pause(ms: number, closed: { wait: Promise<void> }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), closed.wait]).finally(() =>
    clearTimeout(timer),
  );
}

function toolCallsOf(request: RecordedRequest, reply: ScriptedReply) {
  return (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${request.index}_${i}`,
    name: c.name,
    arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments),
    ...(c.extraContent !== undefined ? { extra_content: c.extraContent } : {}),
  }));
}

function usageOf(request: RecordedRequest, reply: ScriptedReply, calls: { arguments: string }[]) {
  const input = reply.usage?.inputTokens ?? Math.ceil(JSON.stringify(request.messages).length / 4);
  const output =
    reply.usage?.outputTokens ??
    Math.ceil(((reply.text ?? "").length + calls.reduce((n, c) => n + c.arguments.length, 0)) / 4);
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

function finishReasonOf(reply: ScriptedReply): string {
  return reply.finishReason ?? ((reply.toolCalls ?? []).length > 0 ? "tool_calls" : "stop");
}

function completionObject(request: RecordedRequest, reply: ScriptedReply, model: string) {
  const calls = toolCallsOf(request, reply);
  return {
    id: `chatcmpl-scripted-${request.index}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: reply.text ?? null,
          ...(calls.length > 0
            ? {
                tool_calls: calls.map((c) => ({
                  id: c.id,
                  type: "function",
                  function: { name: c.name, arguments: c.arguments },
                  ...(c.extra_content !== undefined ? { extra_content: c.extra_content } : {}),
                })),
              }
            : {}),
        },
        finish_reason: finishReasonOf(reply),
      },
    ],
    usage: usageOf(request, reply, calls),
  };
}

async function streamReply(
  res: ServerResponse,
  request: RecordedRequest,
  reply: ScriptedReply,
  model: string,
  closed: { value: boolean; wait: Promise<void> },
  onTextChunk?: (chunk: ScriptedTextChunk) => void,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const base = {
    id: `chatcmpl-scripted-${request.index}`,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
  };
  const send = async (payload: unknown, delay: boolean) => {
    if (delay && reply.chunkDelayMs) await pause(reply.chunkDelayMs, closed);
    if (closed.value) return false;
    res.write(`data: ${JSON.stringify(payload)}\n\n`);
    return true;
  };
  const choice = (delta: unknown, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  if (!(await send(choice({ role: "assistant", content: "" }), false))) return;
  const chunks = reply.chunks ?? (reply.text ? (reply.text.match(/\S+\s*|\s+/g) ?? [reply.text]) : []);
  for (const text of chunks) {
    if (!(await send(choice({ content: text }), true))) return;
    onTextChunk?.({ request: request.index, text, at: performance.now() });
  }
  const calls = toolCallsOf(request, reply);
  for (const [index, call] of calls.entries()) {
    const at = reply.omitToolCallIndex ? {} : { index };
    const extra = call.extra_content !== undefined ? { extra_content: call.extra_content } : {};
    const first = {
      ...at,
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: "" },
      ...extra,
    };
    if (!(await send(choice({ tool_calls: [first] }), true))) return;
    // Arguments arrive in two fragments, as real servers split them.
    const mid = Math.ceil(call.arguments.length / 2);
    for (const part of [call.arguments.slice(0, mid), call.arguments.slice(mid)]) {
      if (part && !(await send(choice({ tool_calls: [{ ...at, function: { arguments: part } }] }), false)))
        return;
    }
  }
  if (!(await send(choice({}, finishReasonOf(reply)), true))) return;
  const wantsUsage =
    (request.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  if (wantsUsage && !(await send({ ...base, choices: [], usage: usageOf(request, reply, calls) }, false)))
    return;
  res.end("data: [DONE]\n\n");
}
