import { afterEach } from "vitest";
import {
  createOpenAIModel,
  startScriptedModelServer,
  type AgentEvent,
  type AgentTool,
  type ModelScript,
  type OpenAIModelOptions,
  type ScriptedModelServer,
  textResult,
} from "../src/index.ts";

const servers: ScriptedModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A scripted server on a free 127.0.0.1 port plus a real openai-client model pointed at it. */
export async function scripted(script: ModelScript, modelOptions: Partial<OpenAIModelOptions> = {}) {
  const server = await startScriptedModelServer({ script });
  servers.push(server);
  const model = createOpenAIModel({
    baseURL: server.baseURL,
    model: "test-model",
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50 },
    ...modelOptions,
  });
  return { server, model };
}

/** Records events; `types` gives the compact sequence used in assertions. */
export function recorder() {
  const events: AgentEvent[] = [];
  return {
    events,
    emit: (e: AgentEvent) => {
      events.push(e);
    },
    types: () => events.map((e) => e.type),
    /** The sequence with roles on message events, e.g. "message_end:user". Updates are squashed. */
    compact: () =>
      events
        .filter((e, i) => !(e.type === "message_update" && events[i - 1]?.type === "message_update"))
        .map((e) =>
          e.type === "message_start" || e.type === "message_end"
            ? `${e.type}:${e.message.role}`
            : e.type.startsWith("tool_execution")
              ? `${e.type}:${(e as { toolCallId: string }).toolCallId}`
              : e.type,
        ),
  };
}

export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A tool that echoes its `value` argument, optionally waiting on a gate first. */
export function echoTool(
  name: string,
  opts: { gate?: Promise<unknown>; log?: string[]; fail?: string } = {},
): AgentTool {
  return {
    name,
    description: `echoes value (${name})`,
    parameters: { type: "object", properties: { value: { type: "string" } }, required: ["value"] },
    async execute(args, ctx) {
      opts.log?.push(`start:${name}:${ctx.toolCallId}`);
      ctx.onUpdate(textResult(`working on ${JSON.stringify(args.value)}`));
      if (opts.gate) await opts.gate;
      if (opts.fail) throw new Error(opts.fail);
      opts.log?.push(`end:${name}:${ctx.toolCallId}`);
      return textResult(
        `${name}:${typeof args.value === "string" ? args.value : JSON.stringify(args.value)}`,
        { value: args.value ?? null },
      );
    },
  };
}

/** A tool that never resolves on its own but rejects when its signal aborts. */
export function slowTool(name: string, started: () => void): AgentTool {
  return {
    name,
    description: "waits until aborted",
    parameters: { type: "object", properties: {} },
    execute(_args, ctx) {
      started();
      return new Promise((_, reject) => {
        ctx.signal.addEventListener("abort", () => reject(new Error("tool saw abort")), { once: true });
      });
    },
  };
}
