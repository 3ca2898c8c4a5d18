import type { ActorClient } from "@troupe/actor-interfaces";
import type { ActorLogger, ActorRuntimeSettings } from "../../src/api.ts";
import { createMemoryBackend } from "../../src/core/memory-backend.ts";
import type { StateBackend } from "../../src/core/state-backend.ts";
import { createEmbeddedRuntime, type EmbeddedRuntime } from "../../src/embedded/runtime.ts";
import type { AnyRegistration } from "./actors.ts";
import type { ContractHarness } from "./harness.ts";

/**
 * Runs the contract on the embedded runtime. `restartHost` stops the runtime (deactivating every actor)
 * and starts a new one. With a `backend` factory (e.g. Redis) the old backend is closed and a new one is
 * made, as a restarted process would; the in-memory default keeps its one backend object (it *is* the
 * durable store).
 */
export function createEmbeddedHarness(
  options: { backend?: () => Promise<StateBackend>; log?: ActorLogger } = {},
): ContractHarness & { runtime(): EmbeddedRuntime } {
  let backend: StateBackend | undefined;
  let runtime: EmbeddedRuntime | undefined;
  let config: { registrations: readonly AnyRegistration[]; settings: ActorRuntimeSettings } | undefined;

  const boot = async () => {
    if (!config || !backend) throw new Error("harness not started");
    runtime = await createEmbeddedRuntime({
      registrations: config.registrations,
      settings: config.settings,
      state: backend,
      ...(options.log ? { log: options.log } : {}),
    });
  };

  return {
    async start(registrations, settings) {
      config = { registrations, settings };
      backend = options.backend ? await options.backend() : createMemoryBackend();
      await boot();
    },
    client(): ActorClient {
      if (!runtime) throw new Error("harness not started");
      return runtime.actors;
    },
    runtime() {
      if (!runtime) throw new Error("harness not started");
      return runtime;
    },
    async restartHost() {
      await runtime?.stop();
      if (options.backend) {
        await backend?.close();
        backend = await options.backend();
      }
      await boot();
    },
    async stop() {
      try {
        await runtime?.stop();
      } finally {
        await backend?.close();
      }
    },
  };
}
