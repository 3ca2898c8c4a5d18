import { failedAssistantMessage, snapshot, toolResultMessage, textResult } from "./messages.ts";
import { traceAgentRun, traceToolCall } from "./tracing.ts";
import { checkArguments } from "./validate.ts";
import type {
  AgentMessage,
  AgentTool,
  AssistantMessage,
  JsonObject,
  ToolCall,
  ToolResult,
  ToolResultMessage,
} from "./types.ts";
import {
  ABORTED_TOOL_TEXT,
  BLOCKED_TOOL_TEXT,
  SKIPPED_TOOL_TEXT,
  defaultConvertToLlm,
  type AgentContext,
  type AgentEventSink,
  type AgentLoopConfig,
} from "./loop-config.ts";

export * from "./loop-config.ts";

/**
 * Runs the agent from new prompt messages: emits agent_start, turn_start, message_start/end for each
 * prompt, then turns until the model answers without tool calls and no steering or follow-up is queued.
 * Resolves with every message the run added (the same list as agent_end). NEVER rejects: model errors and
 * aborts end the run with an assistant message whose stopReason is "error"/"aborted"; a throwing tool
 * becomes an isError toolResult; a throwing context pipeline or queue getter ends the run with a synthetic
 * assistant error message (message_start/end, turn_end, agent_end).
 */
export async function runAgentLoop(
  prompts: AgentMessage[],
  context: AgentContext,
  config: AgentLoopConfig,
  emit: AgentEventSink,
  signal?: AbortSignal,
): Promise<AgentMessage[]> {
  return traceAgentRun(config.agentName ?? "agent", () => {
    const run = new Run(context, config, emit, signal);
    emit({ type: "agent_start" });
    run.startTurn();
    for (const prompt of prompts) run.addMessage(prompt);
    return run.execute();
  });
}

/**
 * Continues from the current transcript without a new prompt (e.g. after a crash, the last message being a
 * user message or tool results). Throws synchronously-rejected errors for misuse only: empty context, or an
 * assistant message last (nothing to answer).
 */
export async function runAgentLoopContinue(
  context: AgentContext,
  config: AgentLoopConfig,
  emit: AgentEventSink,
  signal?: AbortSignal,
): Promise<AgentMessage[]> {
  const last = context.messages.at(-1);
  if (!last) throw new Error("Cannot continue: no messages in context");
  if (last.role === "assistant") throw new Error("Cannot continue from message role: assistant");
  return traceAgentRun(config.agentName ?? "agent", () => {
    const run = new Run(context, config, emit, signal);
    emit({ type: "agent_start" });
    run.startTurn();
    return run.execute();
  });
}

interface Outcome {
  result: ToolResult;
  isError: boolean;
}

interface Prepared {
  toolCall: ToolCall;
  tool: AgentTool;
  args: JsonObject;
}

class Run {
  readonly newMessages: AgentMessage[] = [];
  private inTurn = false;
  private firstTurnPending = true;

  constructor(
    private readonly context: AgentContext,
    private readonly config: AgentLoopConfig,
    private readonly emit: AgentEventSink,
    private readonly signal: AbortSignal | undefined,
  ) {}

  startTurn(): void {
    this.inTurn = true;
    this.emit({ type: "turn_start" });
  }

  private endTurn(message: AgentMessage, toolResults: ToolResultMessage[]): void {
    this.inTurn = false;
    this.emit({ type: "turn_end", message, toolResults });
  }

  /** Appends a complete (non-streamed) message to the transcript with its start/end events. */
  addMessage(message: AgentMessage): void {
    this.emit({ type: "message_start", message });
    this.context.messages.push(message);
    this.newMessages.push(message);
    this.emit({ type: "message_end", message });
  }

  async execute(): Promise<AgentMessage[]> {
    try {
      await this.loop();
    } catch (err) {
      // Contractually non-throwing callbacks threw: end the run with an error message instead of rejecting.
      const reason = this.signal?.aborted ? "aborted" : "error";
      const message = failedAssistantMessage(
        this.config.model.model,
        reason,
        err instanceof Error ? err.message : String(err),
      );
      if (!this.inTurn) this.startTurn();
      this.addMessage(message);
      this.endTurn(message, []);
    }
    this.emit({ type: "agent_end", messages: [...this.newMessages] });
    return this.newMessages;
  }

  private async loop(): Promise<void> {
    let pending: AgentMessage[] = this.config.skipInitialSteeringPoll ? [] : await this.pollSteering();
    for (;;) {
      let hasMoreToolCalls = true;
      while (hasMoreToolCalls || pending.length > 0) {
        if (this.firstTurnPending) this.firstTurnPending = false;
        else this.startTurn();
        for (const message of pending) this.addMessage(message);

        const assistant = await this.streamAssistant();
        if (assistant.stopReason === "error" || assistant.stopReason === "aborted") {
          this.endTurn(assistant, []);
          return;
        }
        const toolCalls = assistant.content.filter((c): c is ToolCall => c.type === "toolCall");
        hasMoreToolCalls = toolCalls.length > 0;
        let toolResults: ToolResultMessage[] = [];
        let steering: AgentMessage[] = [];
        if (hasMoreToolCalls) ({ toolResults, steering } = await this.executeToolCalls(assistant, toolCalls));
        this.endTurn(assistant, toolResults);
        pending = steering.length > 0 ? steering : await this.pollSteering();
      }
      const followUps = await this.pollFollowUps();
      if (followUps.length === 0) return;
      pending = followUps;
    }
  }

  private async pollSteering(): Promise<AgentMessage[]> {
    return (await this.config.getSteeringMessages?.()) ?? [];
  }

  private async pollFollowUps(): Promise<AgentMessage[]> {
    return (await this.config.getFollowUpMessages?.()) ?? [];
  }

  /** Context pipeline, then one streamed model call; message_start at the first streamed data (or at the end). */
  private async streamAssistant(): Promise<AssistantMessage> {
    const transformed = this.config.transformContext
      ? await this.config.transformContext(this.context.messages, this.signal)
      : this.context.messages;
    const llmMessages = await (this.config.convertToLlm ?? defaultConvertToLlm)(transformed);
    let started = false;
    const final = await this.config.model.complete(
      {
        ...(this.context.systemPrompt ? { systemPrompt: this.context.systemPrompt } : {}),
        messages: llmMessages,
        tools: this.context.tools.map((t) => ({
          name: t.name,
          description: t.description,
          parameters: t.parameters,
        })),
      },
      {
        ...(this.signal ? { signal: this.signal } : {}),
        onEvent: (event) => {
          if (event.type === "start") {
            started = true;
            this.emit({ type: "message_start", message: event.partial });
          } else if (event.type !== "done" && event.type !== "error" && started) {
            this.emit({ type: "message_update", message: event.partial, assistantMessageEvent: event });
          }
        },
      },
    );
    if (!started) this.emit({ type: "message_start", message: snapshot(final) });
    this.context.messages.push(final);
    this.newMessages.push(final);
    this.emit({ type: "message_end", message: final });
    return final;
  }

  private async executeToolCalls(
    assistant: AssistantMessage,
    calls: ToolCall[],
  ): Promise<{ toolResults: ToolResultMessage[]; steering: AgentMessage[] }> {
    return (this.config.toolExecution ?? "parallel") === "sequential"
      ? this.executeSequential(assistant, calls)
      : this.executeParallel(assistant, calls);
  }

  /** Announces a call (tool_execution_start) and runs its preflight. */
  private startCall(assistant: AssistantMessage, call: ToolCall) {
    this.emit({
      type: "tool_execution_start",
      toolCallId: call.id,
      toolName: call.name,
      args: call.arguments,
    });
    return this.preflight(assistant, call);
  }

  private async executeSequential(assistant: AssistantMessage, calls: ToolCall[]) {
    const toolResults: ToolResultMessage[] = [];
    let steering: AgentMessage[] = [];
    for (const [i, call] of calls.entries()) {
      const prepared = await this.startCall(assistant, call);
      const outcome =
        "outcome" in prepared
          ? prepared.outcome
          : await this.finalise(assistant, prepared.ok, await this.run(prepared.ok));
      toolResults.push(this.finish(call, outcome));
      steering = await this.pollSteering();
      if (steering.length > 0) {
        for (const rest of calls.slice(i + 1)) toolResults.push(this.skip(rest, true));
        break;
      }
    }
    return { toolResults, steering };
  }

  private async executeParallel(assistant: AssistantMessage, calls: ToolCall[]) {
    const toolResults: ToolResultMessage[] = [];
    let runnable: Prepared[] = [];
    let steering: AgentMessage[] = [];
    for (const [i, call] of calls.entries()) {
      const prepared = await this.startCall(assistant, call);
      if ("outcome" in prepared) toolResults.push(this.finish(call, prepared.outcome));
      else runnable.push(prepared.ok);
      steering = await this.pollSteering();
      if (steering.length > 0) {
        // Prepared calls have not run yet: skip them (their start was emitted) and the remaining ones.
        for (const p of runnable) toolResults.push(this.skip(p.toolCall, false));
        for (const rest of calls.slice(i + 1)) toolResults.push(this.skip(rest, true));
        runnable = [];
        break;
      }
    }
    // Every execute() starts before any is awaited; results are finalised in source order.
    const running = runnable.map((p) => ({ p, promise: this.run(p) }));
    for (const { p, promise } of running) {
      toolResults.push(this.finish(p.toolCall, await this.finalise(assistant, p, await promise)));
    }
    if (steering.length === 0 && running.length > 0) steering = await this.pollSteering();
    return { toolResults, steering };
  }

  /** Lookup, argument check and beforeToolCall. An immediate outcome means the tool will not run. */
  private async preflight(
    assistant: AssistantMessage,
    call: ToolCall,
  ): Promise<{ ok: Prepared } | { outcome: Outcome }> {
    const tool = this.context.tools.find((t) => t.name === call.name);
    if (!tool) return { outcome: failure(`Tool ${call.name} not found`) };
    if (call.argumentsError) return { outcome: failure(call.argumentsError) };
    const problem = checkArguments(tool.parameters, call.arguments);
    if (problem) return { outcome: failure(`Invalid arguments for ${call.name}: ${problem}`) };
    if (this.config.beforeToolCall) {
      try {
        const decision = await this.config.beforeToolCall(
          { assistantMessage: assistant, toolCall: call, args: call.arguments, context: this.context },
          this.signal,
        );
        if (decision?.block) return { outcome: failure(decision.reason ?? BLOCKED_TOOL_TEXT) };
      } catch (err) {
        return { outcome: failure(errorText(err)) };
      }
    }
    return { ok: { toolCall: call, tool, args: call.arguments } };
  }

  /**
   * Executes one tool inside an `execute_tool` span. A throw becomes an error outcome. An abort of the run
   * settles the call at once with "Tool execution was aborted." even if the tool ignores its signal (the
   * tool's own promise is then left to settle on its own; its result is discarded).
   */
  private run(p: Prepared): Promise<Outcome> {
    const { toolCall, tool, args } = p;
    return traceToolCall(
      { toolName: tool.name, toolCallId: toolCall.id, captureContent: !!this.config.captureContent, args },
      async () => {
        const signal = this.signal ?? new AbortController().signal;
        if (signal.aborted) return failure(ABORTED_TOOL_TEXT);
        let settled = false;
        const onUpdate = (partial: ToolResult) => {
          if (settled) return;
          this.emit({
            type: "tool_execution_update",
            toolCallId: toolCall.id,
            toolName: tool.name,
            args,
            partialResult: partial,
          });
        };
        let removeAbort = () => {};
        const aborted = new Promise<Outcome>((resolve) => {
          const onAbort = () => resolve(failure(ABORTED_TOOL_TEXT));
          signal.addEventListener("abort", onAbort, { once: true });
          removeAbort = () => signal.removeEventListener("abort", onAbort);
        });
        const executed = (async (): Promise<Outcome> => {
          try {
            const result = await tool.execute(args, { signal, onUpdate, toolCallId: toolCall.id });
            return { result: normaliseResult(result), isError: false };
          } catch (err) {
            return failure(signal.aborted ? ABORTED_TOOL_TEXT : errorText(err));
          }
        })();
        try {
          return await Promise.race([executed, aborted]);
        } finally {
          settled = true;
          removeAbort();
        }
      },
    );
  }

  private async finalise(assistant: AssistantMessage, p: Prepared, outcome: Outcome): Promise<Outcome> {
    if (!this.config.afterToolCall) return outcome;
    try {
      const override = await this.config.afterToolCall(
        {
          assistantMessage: assistant,
          toolCall: p.toolCall,
          args: p.args,
          context: this.context,
          ...outcome,
        },
        this.signal,
      );
      if (!override) return outcome;
      const result: ToolResult = { content: override.content ?? outcome.result.content };
      const details = "details" in override ? override.details : outcome.result.details;
      if (details !== undefined) result.details = details;
      return { result, isError: override.isError ?? outcome.isError };
    } catch (err) {
      return failure(errorText(err));
    }
  }

  /** tool_execution_end, then the toolResult message into the transcript. */
  private finish(call: ToolCall, outcome: Outcome): ToolResultMessage {
    this.emit({
      type: "tool_execution_end",
      toolCallId: call.id,
      toolName: call.name,
      result: outcome.result,
      isError: outcome.isError,
    });
    const message = toolResultMessage(call.id, call.name, outcome.result, outcome.isError);
    this.addMessage(message);
    return message;
  }

  private skip(call: ToolCall, emitStart: boolean): ToolResultMessage {
    if (emitStart)
      this.emit({
        type: "tool_execution_start",
        toolCallId: call.id,
        toolName: call.name,
        args: call.arguments,
      });
    return this.finish(call, failure(SKIPPED_TOOL_TEXT));
  }
}

function failure(text: string): Outcome {
  return { result: textResult(text), isError: true };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Accepts a sloppy tool return (a string, missing content) so one bad tool cannot break the transcript. */
function normaliseResult(result: unknown): ToolResult {
  if (typeof result === "string") return textResult(result);
  if (typeof result === "object" && result !== null && Array.isArray((result as ToolResult).content))
    return result as ToolResult;
  return textResult(JSON.stringify(result ?? null));
}
