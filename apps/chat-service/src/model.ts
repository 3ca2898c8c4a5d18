import type { SecretReader } from "@troupe/actor-runtime";
import {
  createOpenAIModel,
  demoScript,
  startScriptedModelServer,
  type ModelClient,
  type ModelRequest,
  type ModelCallOptions,
} from "@troupe/agent-loop";

export interface ModelSettings {
  openaiBaseUrl: string | undefined;
  openaiModel: string;
  openaiApiKey: string | undefined;
  /**
   * Where the API key is in the secret store when OPENAI_API_KEY is not set (Dapr mode): `NAME` (local.env:
   * the variable) or `SECRET/KEY` (Kubernetes: a key of a Secret).
   */
  openaiApiKeySecret: string;
  modelTimeoutMs: number;
  captureContent: boolean;
}

export interface ResolvedModel {
  model: ModelClient;
  /** true when a real LLM is configured; false for the scripted demo model. */
  configured: boolean;
  close(): Promise<void>;
}

/**
 * The model behind AgentSession and the LLM reply engine: the configured OpenAI-compatible endpoint, or,
 * without one, the scripted demo model served on a loopback port of this process. The API key comes from
 * the environment or, lazily on the first call, from the secret store (so start-up does not wait for it).
 */
export async function resolveModel(settings: ModelSettings, secrets: SecretReader): Promise<ResolvedModel> {
  if (settings.openaiBaseUrl) {
    const baseURL = settings.openaiBaseUrl;
    let client: Promise<ModelClient> | undefined;
    const load = async () => {
      const [secret, key] = settings.openaiApiKeySecret.split("/", 2) as [string, string | undefined];
      const apiKey = settings.openaiApiKey ?? (await secrets.get(secret, key));
      return createOpenAIModel({
        baseURL,
        model: settings.openaiModel,
        timeoutMs: settings.modelTimeoutMs,
        captureContent: settings.captureContent,
        ...(apiKey ? { apiKey } : {}),
      });
    };
    const model: ModelClient = {
      model: settings.openaiModel,
      async complete(request: ModelRequest, options?: ModelCallOptions) {
        client ??= load();
        return (await client).complete(request, options);
      },
    };
    return { model, configured: true, close: async () => {} };
  }
  const server = await startScriptedModelServer({ script: demoScript, model: "scripted-demo" });
  return {
    model: createOpenAIModel({
      baseURL: server.baseURL,
      model: "scripted-demo",
      captureContent: settings.captureContent,
    }),
    configured: false,
    close: () => server.close(),
  };
}
