import type { ActorClient } from "@troupe/actor-interfaces";
import type { ActorRegistration } from "@troupe/actor-runtime";

/**
 * How the agent suite drives a runtime (embedded, or Dapr with daprd + Redis).
 * - `start` hosts `registrations` and resolves once `client()` can call them from outside any actor.
 * - `taskStateKeys` lists every AgentTask state key still stored (`{actorId}||{key}`), read from the store
 *   itself, not through the actors.
 * - `stop` stops everything the harness started, even after a failed test.
 */
export interface AgentHarness {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  start(registrations: readonly ActorRegistration<any>[]): Promise<void>;
  client(): ActorClient;
  taskStateKeys(): Promise<string[]>;
  stop(): Promise<void>;
}
