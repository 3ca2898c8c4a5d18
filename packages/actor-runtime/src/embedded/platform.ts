import type { Platform } from "../api.ts";
import { createInProcessPubSub, type InProcessPubSub, type InProcessPubSubOptions } from "./pubsub.ts";
import { createEmbeddedRuntime, type EmbeddedRuntime, type EmbeddedRuntimeOptions } from "./runtime.ts";
import { createEmbeddedServiceInvoker, createEnvSecretReader, type ServiceHandler } from "./services.ts";

export interface EmbeddedPlatformOptions extends EmbeddedRuntimeOptions {
  /** App id → invocation handler. A Map may be filled after creation (apps register as they start). */
  services?: Map<string, ServiceHandler>;
  secrets?: Readonly<Record<string, string | undefined>>;
  pubsub?: InProcessPubSubOptions;
}

/** The Platform bundle of the embedded runtime, plus the handles a launcher needs to wire and stop it. */
export interface EmbeddedPlatform extends Platform {
  readonly runtime: EmbeddedRuntime;
  readonly pubsub: InProcessPubSub;
  readonly services: Platform["services"];
  /** Stops actors (deactivating them) and pub/sub delivery. */
  stop(): Promise<void>;
}

export async function createEmbeddedPlatform(options: EmbeddedPlatformOptions): Promise<EmbeddedPlatform> {
  const pubsub = createInProcessPubSub({ ...(options.log ? { log: options.log } : {}), ...options.pubsub });
  const runtime = await createEmbeddedRuntime(options);
  return {
    actors: runtime.actors,
    events: pubsub,
    services: createEmbeddedServiceInvoker(options.services ?? new Map()),
    secrets: createEnvSecretReader(options.secrets ?? {}),
    runtime,
    pubsub,
    async stop() {
      await runtime.stop();
      pubsub.close();
    },
  };
}
