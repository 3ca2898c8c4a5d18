import type {
  AgentEvent,
  AgentMessage,
  AgentTool,
  AssistantMessage,
  Json,
  JsonObject,
  LlmMessage,
  ModelClient,
  TextContent,
  ToolCall,
  ToolResult,
} from "./types.ts";

/** The transcript and settings one run works on. The loop appends to `messages` as it goes. */
export interface AgentContext {
  systemPrompt?: string;
  messages: AgentMessage[];
  tools: AgentTool[];
}

export interface BeforeToolCallContext {
  assistantMessage: AssistantMessage;
  toolCall: ToolCall;
  args: JsonObject;
  context: AgentContext;
}
/** `{ block: true, reason }` turns the call into an error result with text `reason` (the tool never runs). */
export type BeforeToolCallResult = { block?: boolean; reason?: string } | undefined | void;

export interface AfterToolCallContext extends BeforeToolCallContext {
  result: ToolResult;
  isError: boolean;
}
/** Field-by-field override of the outcome: content replaces, details replaces, isError replaces. */
export type AfterToolCallResult =
  { content?: TextContent[]; details?: Json; isError?: boolean } | undefined | void;

export type ToolExecutionMode = "parallel" | "sequential";

export interface AgentLoopConfig {
  model: ModelClient;
  /**
   * "parallel" (default): preflight (lookup, argument check, beforeToolCall) runs call by call in source
   * order, emitting immediate outcomes (unknown tool, bad arguments, blocked, hook threw) at once; the
   * prepared calls then all start concurrently and are finalised (afterToolCall, tool_execution_end,
   * toolResult message) in source order. RESULT ORDER (pi-agent-core's actual behaviour): immediate
   * outcomes first, then executed calls in source order — the order of tool_execution_end events, of
   * toolResult messages and of turn_end.toolResults is the same.
   * "sequential": each call is preflighted, executed and finalised before the next; results are in source
   * order.
   */
  toolExecution?: ToolExecutionMode;
  /** Step 1 of the context pipeline before each model call: prune, summarise or inject (AgentMessage[] → AgentMessage[]). */
  transformContext?: (
    messages: AgentMessage[],
    signal?: AbortSignal,
  ) => Promise<AgentMessage[]> | AgentMessage[];
  /** Step 2: to model messages. Default keeps user, assistant and toolResult and drops custom messages. */
  convertToLlm?: (messages: AgentMessage[]) => Promise<LlmMessage[]> | LlmMessage[];
  /** Polled at loop start, after each tool (sequential) or preflight (parallel), and after each turn. */
  getSteeringMessages?: () => Promise<AgentMessage[]> | AgentMessage[];
  /** Polled only when the agent would otherwise stop. */
  getFollowUpMessages?: () => Promise<AgentMessage[]> | AgentMessage[];
  beforeToolCall?: (
    ctx: BeforeToolCallContext,
    signal?: AbortSignal,
  ) => Promise<BeforeToolCallResult> | BeforeToolCallResult;
  afterToolCall?: (
    ctx: AfterToolCallContext,
    signal?: AbortSignal,
  ) => Promise<AfterToolCallResult> | AfterToolCallResult;
  /** gen_ai.agent.name of the run's `invoke_agent {name}` span (default "agent"). */
  agentName?: string;
  /** Record tool arguments and results on `execute_tool` spans (off by default). */
  captureContent?: boolean;
  /** Skip the steering poll at loop start (used by Agent.continue to keep one-at-a-time order). */
  skipInitialSteeringPoll?: boolean;
}

export type AgentEventSink = (event: AgentEvent) => void;

export const SKIPPED_TOOL_TEXT = "Skipped due to queued user message.";
export const ABORTED_TOOL_TEXT = "Tool execution was aborted.";
export const BLOCKED_TOOL_TEXT = "Tool execution was blocked";

export const defaultConvertToLlm = (messages: AgentMessage[]): LlmMessage[] =>
  messages.filter(
    (m): m is LlmMessage => m.role === "user" || m.role === "assistant" || m.role === "toolResult",
  );
