import { startScriptedModelServer, userMessage, type ScriptedModelServer } from "@troupe/agent-loop";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveModel, type ModelSettings } from "../src/model.ts";

describe("resolveModel", () => {
  let server: ScriptedModelServer;
  beforeAll(async () => {
    server = await startScriptedModelServer({ script: () => ({ text: "hi" }) });
  });
  afterAll(() => server.close());

  const settings = (over: Partial<ModelSettings>): ModelSettings => ({
    openaiBaseUrl: server.baseURL,
    openaiModel: "m",
    openaiApiKey: undefined,
    openaiApiKeySecret: "OPENAI_API_KEY",
    modelTimeoutMs: 5_000,
    captureContent: false,
    ...over,
  });
  const ask = async (s: ModelSettings, secrets: (name: string, key?: string) => string | undefined) => {
    const seen: [string, string | undefined][] = [];
    const { model, configured } = await resolveModel(s, {
      get: (name, key) => {
        seen.push([name, key]);
        return Promise.resolve(secrets(name, key));
      },
    });
    await model.complete({ messages: [userMessage("x")], tools: [] });
    return { configured, seen, auth: server.requests.at(-1)?.headers.authorization };
  };

  it("reads the key lazily from a key of a Kubernetes Secret (SECRET/KEY)", async () => {
    const r = await ask(settings({ openaiApiKeySecret: "troupe-secrets/OPENAI_API_KEY" }), (name, key) =>
      name === "troupe-secrets" && key === "OPENAI_API_KEY" ? "sk-k8s" : undefined,
    );
    expect(r.configured).toBe(true);
    expect(r.seen).toEqual([["troupe-secrets", "OPENAI_API_KEY"]]);
    expect(r.auth).toBe("Bearer sk-k8s");
  });

  it("prefers OPENAI_API_KEY from the environment and then never asks the secret store", async () => {
    const r = await ask(settings({ openaiApiKey: "sk-env" }), () => "sk-store");
    expect(r.seen).toEqual([]);
    expect(r.auth).toBe("Bearer sk-env");
  });

  it("falls back to the scripted demo model when no endpoint is configured", async () => {
    const resolved = await resolveModel(settings({ openaiBaseUrl: undefined }), {
      get: () => Promise.resolve(undefined),
    });
    try {
      expect(resolved.configured).toBe(false);
      const answer = await resolved.model.complete({ messages: [userMessage("hello")], tools: [] });
      expect(answer.stopReason).toBe("stop");
    } finally {
      await resolved.close();
    }
  });
});
