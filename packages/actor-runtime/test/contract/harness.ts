import type { ActorClient } from "@troupe/actor-interfaces";
import type { ActorRuntimeSettings } from "../../src/api.ts";
import type { AnyRegistration } from "./actors.ts";

/**
 * How the contract suite and the benchmark drive a runtime. One implementation per runtime: embedded
 * (in-process) and Dapr (fastify actor host + daprd + placement + scheduler + Redis).
 *
 * Contract:
 * - `start` hosts `registrations` with `settings` (including each registration's `idleTimeout`
 *   override) and resolves once calls can be made through `client()`.
 * - `client()` calls actors from outside any actor (a fresh call chain per call).
 * - `restartHost` stops the actor host as a crash-free shutdown would (deactivating actors), then starts
 *   it again with the same registrations and settings, keeping durable state and reminders.
 * - `stop` stops everything the harness started, even after a failed test.
 */
export interface ContractHarness {
  start(registrations: readonly AnyRegistration[], settings: ActorRuntimeSettings): Promise<void>;
  client(): ActorClient;
  restartHost(): Promise<void>;
  stop(): Promise<void>;
}
