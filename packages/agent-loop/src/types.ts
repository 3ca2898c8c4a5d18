/**
 * The agent loop's data model. Every message and event is plain JSON (no classes, no Dates, no Maps), so a
 * host can store messages as actor state and publish events as they are. Data shapes are type aliases (not
 * interfaces) so they are assignable to JSON value types such as actor-interfaces' `Json`.
 */

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object (tool arguments, JSON schemas). */
export type JsonObject = { [key: string]: Json };

export type TextContent = {
  type: "text";
  text: string;
};

/** A tool call requested by the model. `arguments` is the parsed JSON object the model produced. */
export type ToolCall = {
  type: "toolCall";
  id: string;
  name: string;
  arguments: JsonObject;
  /** Set when the model's argument string was not a JSON object; the call then fails preflight. */
  argumentsError?: string;
  /** Opaque per-call data some servers require back in the next request (Gemini's `extra_content`). */
  extraContent?: Json;
};

export type Usage = {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
};

/**
 * Why an assistant message ended: "stop" (plain answer), "length" (token limit), "toolUse" (it asked for
 * tools), "error" (the model call failed; see errorMessage), "aborted" (the run's signal was aborted).
 */
export type StopReason = "stop" | "length" | "toolUse" | "error" | "aborted";

export type UserMessage = {
  role: "user";
  content: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
};

export type AssistantMessage = {
  role: "assistant";
  content: (TextContent | ToolCall)[];
  /** The model name that produced it (as configured). */
  model: string;
  usage: Usage;
  stopReason: StopReason;
  errorMessage?: string;
  timestamp: number;
};

export type ToolResultMessage = {
  role: "toolResult";
  toolCallId: string;
  toolName: string;
  content: TextContent[];
  /** Structured result for hosts and UIs (not sent to the model). */
  details?: Json;
  isError: boolean;
  timestamp: number;
};

/**
 * An application message kept in the transcript but not sent to the model by the default convertToLlm
 * (notes, UI markers, memory snapshots). A custom convertToLlm may map it to a user message.
 */
export type CustomMessage = {
  role: "custom";
  kind: string;
  data: Json;
  timestamp: number;
};

/** What the model understands. */
export type LlmMessage = UserMessage | AssistantMessage | ToolResultMessage;
/** What the transcript holds. */
export type AgentMessage = LlmMessage | CustomMessage;

/** What a tool returns: text for the model plus optional structured details for the host. */
export type ToolResult = {
  content: TextContent[];
  details?: Json;
};

export interface ToolExecuteContext {
  /** Aborted when the run is aborted; long tools should stop and throw. */
  signal: AbortSignal;
  /** Reports progress; each call becomes a tool_execution_update event. */
  onUpdate: (partial: ToolResult) => void;
  toolCallId: string;
}

/**
 * A tool the model may call. `parameters` is a JSON schema (type "object"). `execute` throws on failure: the
 * error's message becomes an isError tool result, the run goes on.
 */
export interface AgentTool {
  name: string;
  description: string;
  parameters: JsonObject;
  execute(args: JsonObject, ctx: ToolExecuteContext): Promise<ToolResult>;
}

/** The tool as the model sees it. */
export type ToolSpec = {
  name: string;
  description: string;
  parameters: JsonObject;
};

/** Streaming sub-events of one assistant message (carried by message_update). */
export type AssistantMessageEvent =
  | { type: "start"; partial: AssistantMessage }
  | { type: "text_start"; contentIndex: number; partial: AssistantMessage }
  | { type: "text_delta"; contentIndex: number; delta: string; partial: AssistantMessage }
  | { type: "text_end"; contentIndex: number; content: string; partial: AssistantMessage }
  | { type: "toolcall_start"; contentIndex: number; partial: AssistantMessage }
  | { type: "toolcall_delta"; contentIndex: number; delta: string; partial: AssistantMessage }
  | { type: "toolcall_end"; contentIndex: number; toolCall: ToolCall; partial: AssistantMessage }
  | { type: "done"; reason: "stop" | "length" | "toolUse"; message: AssistantMessage }
  | { type: "error"; reason: "error" | "aborted"; error: AssistantMessage };

/** The ten loop events (pi-agent-core's AgentEvent). */
export type AgentEvent =
  | { type: "agent_start" }
  /** All messages this run added: prompts, assistant messages, tool results, injected steering/follow-ups. */
  | { type: "agent_end"; messages: AgentMessage[] }
  | { type: "turn_start" }
  | { type: "turn_end"; message: AgentMessage; toolResults: ToolResultMessage[] }
  | { type: "message_start"; message: AgentMessage }
  /** Assistant messages only; `message` is a snapshot of the partial message. */
  | { type: "message_update"; message: AssistantMessage; assistantMessageEvent: AssistantMessageEvent }
  | { type: "message_end"; message: AgentMessage }
  | { type: "tool_execution_start"; toolCallId: string; toolName: string; args: JsonObject }
  | {
      type: "tool_execution_update";
      toolCallId: string;
      toolName: string;
      args: JsonObject;
      partialResult: ToolResult;
    }
  | {
      type: "tool_execution_end";
      toolCallId: string;
      toolName: string;
      result: ToolResult;
      isError: boolean;
    };

export type AgentEventType = AgentEvent["type"];

/** One model call's input, after the context pipeline. */
export type ModelRequest = {
  systemPrompt?: string;
  messages: LlmMessage[];
  tools: ToolSpec[];
};

export interface ModelCallOptions {
  signal?: AbortSignal;
  /** Streaming sub-events, in order: start, text and tool-call deltas, then done or error. */
  onEvent?: (event: AssistantMessageEvent) => void;
}

/**
 * A model. `complete` NEVER rejects: failures resolve to an assistant message with stopReason "error" or
 * "aborted" and an errorMessage (and an "error" event).
 */
export interface ModelClient {
  readonly model: string;
  complete(request: ModelRequest, options?: ModelCallOptions): Promise<AssistantMessage>;
}
