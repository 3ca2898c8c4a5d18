/**
 * @troupe/devstack: the real Dapr runtime for local runs and integration tests (no mocks of Dapr).
 *
 *   const env = await startDaprEnv({ apps: [{ appId: "host-a", appPort }], env: process.env });
 *   try { ... http://127.0.0.1:${env.sidecars["host-a"].httpPort}/v1.0/... } finally { await env.stop(); }
 */
export {
  resolveDaprBinaries,
  daprCandidateDirs,
  cacheRoot,
  versionMatches,
  binariesIn,
  type DaprBinaries,
} from "./dapr-binaries.ts";
export {
  planPorts,
  freePortPlan,
  freePorts,
  freePort,
  portsNeeded,
  listPorts,
  assertDistinct,
  FIXED_PORTS,
  STACK_APPS,
  type PortPlan,
  type SidecarPorts,
  type StackAppId,
} from "./ports.ts";
export { daprdArgs, placementArgs, schedulerArgs, daprProcessEnv, type DaprLogLevel } from "./dapr-args.ts";
export { startDaprEnv, daprdName, type DaprEnv, type DaprEnvOptions, type DaprAppSpec } from "./dapr-env.ts";
export {
  Supervisor,
  stderrSink,
  quietSink,
  type LogSink,
  type ManagedProcess,
  type ExitInfo,
} from "./supervisor.ts";
export { waitForHttp, waitForActorTypes, waitForRedis, tcpOpen, HealthTimeoutError } from "./health.ts";
export { startRedis, redisArgs, REDIS_MISSING } from "./redis.ts";
export {
  renderConfiguration,
  renderResource,
  nameResolutionTemplate,
  renderResourcesDir,
  renderConfigFile,
} from "./resources.ts";
export {
  startStack,
  parseStackArgs,
  appEnv,
  appNodeArgs,
  findJaeger,
  assertPortsFree,
  describePlan,
  type Stack,
  type StackOptions,
} from "./stack.ts";
export { REPO_ROOT, COMPONENTS_DIR, CONFIG_FILE, pinnedDaprVersion } from "./paths.ts";
