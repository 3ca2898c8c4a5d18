/**
 * @troupe/agent-loop: an LLM agent loop (pi-agent-core semantics) over any OpenAI-compatible endpoint.
 * See README.md for the API, the event sequences and the choices made.
 */
export type * from "./types.ts";
export {
  runAgentLoop,
  runAgentLoopContinue,
  defaultConvertToLlm,
  SKIPPED_TOOL_TEXT,
  ABORTED_TOOL_TEXT,
  BLOCKED_TOOL_TEXT,
  type AgentContext,
  type AgentLoopConfig,
  type AgentEventSink,
  type BeforeToolCallContext,
  type BeforeToolCallResult,
  type AfterToolCallContext,
  type AfterToolCallResult,
  type ToolExecutionMode,
} from "./loop.ts";
export {
  Agent,
  type AgentOptions,
  type AgentState,
  type AgentListener,
  type PendingToolCall,
  type QueueMode,
} from "./agent.ts";
export {
  createOpenAIModel,
  defaultRetryPolicy,
  type OpenAIModelOptions,
  type RetryPolicy,
} from "./openai-model.ts";
export {
  startScriptedModelServer,
  type ScriptedModelServer,
  type ScriptedModelServerOptions,
  type ScriptedReply,
  type ScriptedTextChunk,
  type ScriptedToolCall,
  type ModelScript,
  type RecordedRequest,
} from "./scripted-server.ts";
export { demoScript } from "./demo-script.ts";
export {
  userMessage,
  customMessage,
  textResult,
  toolResultMessage,
  messageText,
  emptyUsage,
} from "./messages.ts";
export { toLlmWireMessages, type WireMessage } from "./wire.ts";
export {
  remoteTools,
  type RemoteToolDescriptor,
  type RemoteToolInvoker,
  type RemoteInvokeOptions,
  type RemoteToolsOptions,
} from "./remote-tools.ts";
