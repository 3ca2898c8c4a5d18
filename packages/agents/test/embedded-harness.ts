import {
  createEmbeddedRuntime,
  createMemoryBackend,
  silentLogger,
  type EmbeddedRuntime,
  type StateBackend,
} from "@troupe/actor-runtime";
import type { AgentHarness } from "./harness.ts";

/** The embedded runtime over a memory backend whose live AgentTask keys are tracked through `apply`. */
export function createEmbeddedAgentHarness(): AgentHarness {
  let runtime: EmbeddedRuntime | undefined;
  const live = new Set<string>();
  const inner = createMemoryBackend();
  const backend: StateBackend = {
    ...inner,
    get: (type, id, key) => inner.get(type, id, key),
    async apply(type, id, operations) {
      await inner.apply(type, id, operations);
      if (type !== "AgentTask") return;
      for (const op of operations) {
        if (op.op === "upsert") live.add(`${id}||${op.key}`);
        else live.delete(`${id}||${op.key}`);
      }
    },
  };
  return {
    async start(registrations) {
      runtime = await createEmbeddedRuntime({ registrations, state: backend, log: silentLogger });
    },
    client() {
      if (!runtime) throw new Error("harness not started");
      return runtime.actors;
    },
    async taskStateKeys() {
      return [...live].sort();
    },
    async stop() {
      await runtime?.stop();
      await inner.close();
    },
  };
}
