import { userMessage } from "./messages.ts";
import { runAgentLoop, runAgentLoopContinue, type AgentContext, type AgentLoopConfig } from "./loop.ts";
import type { AgentEvent, AgentMessage, AgentTool, AssistantMessage, JsonObject } from "./types.ts";

/** "one-at-a-time" (default): one queued message per poll. "all": the whole queue at once. */
export type QueueMode = "one-at-a-time" | "all";

export type PendingToolCall = {
  toolCallId: string;
  toolName: string;
  args: JsonObject;
};

/** A snapshot of the agent (plain JSON; copies, safe to store or send). */
export type AgentState = {
  systemPrompt: string;
  messages: AgentMessage[];
  isStreaming: boolean;
  /** The assistant message being streamed, if any. */
  streamMessage: AssistantMessage | null;
  pendingToolCalls: PendingToolCall[];
  /** errorMessage of the last run's failed assistant message; cleared when a new run starts. */
  error: string | undefined;
};

export interface AgentOptions extends Omit<
  AgentLoopConfig,
  "getSteeringMessages" | "getFollowUpMessages" | "skipInitialSteeringPoll"
> {
  systemPrompt?: string;
  tools?: AgentTool[];
  /** Initial transcript (e.g. restored from actor state). */
  messages?: AgentMessage[];
  steeringMode?: QueueMode;
  followUpMode?: QueueMode;
}

export type AgentListener = (event: AgentEvent, agent: Agent) => void;

/**
 * A stateful wrapper around the loop, like pi-agent-core's Agent: one run at a time, steering and
 * follow-up queues, abort, a state snapshot and event listeners. Listeners run synchronously after the
 * state is updated for the event; a listener that throws is ignored (it must not break the run).
 */
export class Agent {
  private options: AgentOptions;
  private messages: AgentMessage[];
  private systemPrompt: string;
  private tools: AgentTool[];
  private steeringQueue: AgentMessage[] = [];
  private followUpQueue: AgentMessage[] = [];
  private listeners = new Set<AgentListener>();
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private streamMessage: AssistantMessage | null = null;
  private pending = new Map<string, PendingToolCall>();
  private error: string | undefined;
  /** True from start() until agent_end (pi semantics: listeners of agent_end already see false). */
  private streaming = false;

  steeringMode: QueueMode;
  followUpMode: QueueMode;

  constructor(options: AgentOptions) {
    this.options = options;
    this.messages = [...(options.messages ?? [])];
    this.systemPrompt = options.systemPrompt ?? "";
    this.tools = [...(options.tools ?? [])];
    this.steeringMode = options.steeringMode ?? "one-at-a-time";
    this.followUpMode = options.followUpMode ?? "one-at-a-time";
  }

  get state(): AgentState {
    return structuredClone({
      systemPrompt: this.systemPrompt,
      messages: this.messages,
      isStreaming: this.streaming,
      streamMessage: this.streamMessage,
      pendingToolCalls: [...this.pending.values()],
      error: this.error,
    });
  }

  get isStreaming(): boolean {
    return this.streaming;
  }

  subscribe(listener: AgentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setSystemPrompt(prompt: string): void {
    this.systemPrompt = prompt;
  }
  setTools(tools: AgentTool[]): void {
    this.tools = [...tools];
  }
  /** Replaces the transcript (not while a run is in progress). */
  replaceMessages(messages: AgentMessage[]): void {
    if (this.streaming) throw new Error("Cannot replace messages while the agent is processing.");
    this.messages = [...messages];
  }

  /**
   * Starts a run with a new prompt and resolves when it has ended (never rejects for model/tool failures;
   * see state.error). Rejects at once if a run is in progress.
   */
  prompt(input: string | AgentMessage | AgentMessage[]): Promise<void> {
    if (this.streaming) {
      return Promise.reject(
        new Error(
          "Agent is already processing a prompt. Use steer() or followUp() to queue messages, or wait for completion.",
        ),
      );
    }
    const prompts = typeof input === "string" ? [userMessage(input)] : Array.isArray(input) ? input : [input];
    return this.start(
      (context, config, emit, signal) => runAgentLoop(prompts, context, config, emit, signal),
      false,
    );
  }

  /**
   * Continues from the transcript: after an assistant tail, drains queued steering, else follow-ups; after a
   * user or toolResult tail, asks the model again (crash recovery).
   */
  continue(): Promise<void> {
    if (this.streaming)
      return Promise.reject(new Error("Agent is already processing. Wait for completion before continuing."));
    const last = this.messages.at(-1);
    if (!last) return Promise.reject(new Error("No messages to continue from"));
    if (last.role === "assistant") {
      const steering = this.dequeue(this.steeringQueue, this.steeringMode);
      if (steering.length > 0) {
        return this.start((c, cfg, emit, signal) => runAgentLoop(steering, c, cfg, emit, signal), true);
      }
      const followUps = this.dequeue(this.followUpQueue, this.followUpMode);
      if (followUps.length > 0)
        return this.start((c, cfg, emit, signal) => runAgentLoop(followUps, c, cfg, emit, signal), false);
      return Promise.reject(new Error("Cannot continue from message role: assistant"));
    }
    return this.start((c, cfg, emit, signal) => runAgentLoopContinue(c, cfg, emit, signal), false);
  }

  /** Queues a message injected at the next turn boundary of the current run (remaining tool calls are skipped). */
  steer(message: string | AgentMessage): void {
    this.steeringQueue.push(typeof message === "string" ? userMessage(message) : message);
  }
  /** Queues a message that runs when the agent would otherwise stop. */
  followUp(message: string | AgentMessage): void {
    this.followUpQueue.push(typeof message === "string" ? userMessage(message) : message);
  }
  clearSteeringQueue(): void {
    this.steeringQueue = [];
  }
  clearFollowUpQueue(): void {
    this.followUpQueue = [];
  }
  clearAllQueues(): void {
    this.clearSteeringQueue();
    this.clearFollowUpQueue();
  }
  hasQueuedMessages(): boolean {
    return this.steeringQueue.length > 0 || this.followUpQueue.length > 0;
  }
  /** Copies of the queues (for persisting them). */
  get queued(): { steering: AgentMessage[]; followUp: AgentMessage[] } {
    return structuredClone({ steering: this.steeringQueue, followUp: this.followUpQueue });
  }

  /** Aborts the run in progress (no-op when idle). The run then ends with an "aborted" assistant message. */
  abort(): void {
    this.controller?.abort();
  }

  /** Resolves when no run is in progress. */
  async waitForIdle(): Promise<void> {
    await this.running;
  }

  /** Clears transcript, queues and error. */
  reset(): void {
    if (this.streaming) throw new Error("Cannot reset while the agent is processing.");
    this.messages = [];
    this.clearAllQueues();
    this.error = undefined;
  }

  private dequeue(queue: AgentMessage[], mode: QueueMode): AgentMessage[] {
    return mode === "all" ? queue.splice(0, queue.length) : queue.splice(0, 1);
  }

  private start(
    runner: (
      context: AgentContext,
      config: AgentLoopConfig,
      emit: (e: AgentEvent) => void,
      signal: AbortSignal,
    ) => Promise<AgentMessage[]>,
    skipInitialSteeringPoll: boolean,
  ): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    this.error = undefined;
    this.streaming = true;
    const context: AgentContext = {
      systemPrompt: this.systemPrompt,
      messages: [...this.messages],
      tools: this.tools,
    };
    const {
      systemPrompt: _s,
      tools: _t,
      messages: _m,
      steeringMode: _sm,
      followUpMode: _fm,
      ...loopOptions
    } = this.options;
    const config: AgentLoopConfig = {
      ...loopOptions,
      skipInitialSteeringPoll,
      getSteeringMessages: () => this.dequeue(this.steeringQueue, this.steeringMode),
      getFollowUpMessages: () => this.dequeue(this.followUpQueue, this.followUpMode),
    };
    const done = runner(context, config, (event) => this.onEvent(event), controller.signal).then(
      () => undefined,
      (err: unknown) => {
        // Not expected (the loop never rejects); kept so a bug cannot leave the agent stuck "streaming".
        this.error = err instanceof Error ? err.message : String(err);
      },
    );
    const running = done.finally(() => {
      if (this.running !== running) return;
      this.running = undefined;
      this.streaming = false;
      if (this.controller === controller) this.controller = undefined;
    });
    this.running = running;
    return running;
  }

  private onEvent(event: AgentEvent): void {
    switch (event.type) {
      case "message_start":
      case "message_update":
        if (event.message.role === "assistant") this.streamMessage = event.message;
        break;
      case "message_end":
        this.streamMessage = null;
        this.messages.push(event.message);
        break;
      case "tool_execution_start":
        this.pending.set(event.toolCallId, {
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          args: event.args,
        });
        break;
      case "tool_execution_end":
        this.pending.delete(event.toolCallId);
        break;
      case "turn_end":
        if (event.message.role === "assistant" && event.message.errorMessage)
          this.error = event.message.errorMessage;
        break;
      case "agent_end":
        this.streaming = false;
        this.streamMessage = null;
        this.pending.clear();
        break;
      default:
        break;
    }
    for (const listener of this.listeners) {
      try {
        listener(event, this);
      } catch {
        // A listener must not break the run.
      }
    }
  }
}
