import { env, parseEnv, type EnvSource } from "@troupe/service-kit";

/** Every setting of chat-service, parsed once from the environment at start-up. */
export const configSchema = {
  host: env.string("HOST", "127.0.0.1"),
  port: env.port("PORT", 8010),
  logLevel: env.oneOf("LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  appId: env.string("APP_ID", "chat-service"),
  daprHost: env.string("DAPR_HOST", "127.0.0.1"),
  daprHttpPort: env.port("DAPR_HTTP_PORT", 3500),
  /** An OpenAI-compatible endpoint (OpenAI, Gemini's, Ollama, vLLM); unset = deterministic replies and the scripted demo model. */
  openaiBaseUrl: env.optional("OPENAI_BASE_URL"),
  openaiModel: env.string("OPENAI_MODEL", "gpt-4o-mini"),
  openaiApiKey: env.optional("OPENAI_API_KEY", { secret: true }),
  /** `NAME` or `SECRET/KEY` in the Dapr secret store, read when OPENAI_API_KEY is not set. */
  openaiApiKeySecret: env.string("OPENAI_API_KEY_SECRET", "OPENAI_API_KEY"),
  modelTimeoutMs: env.int("MODEL_TIMEOUT_MS", 60_000, { min: 1000 }),
  /**
   * Limit on ResponseAgent's work for one message (model calls and tools), inside its actor turn; kept below
   * the callers' 60 s actor-call deadline so they get the failure reply instead of a timeout.
   */
  replyTimeoutMs: env.int("REPLY_TIMEOUT_MS", 45_000, { min: 1000 }),
  /** Open agent event streams (SSE) this process serves at most; one more is answered 429. */
  maxEventStreams: env.int("MAX_EVENT_STREAMS", 1_000, { min: 1 }),
  /** Record prompt/completion text and tool arguments on GenAI spans (off: they may hold personal data). */
  captureContent: env.bool("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", false),
};

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(source: EnvSource) {
  return parseEnv(configSchema, source);
}
