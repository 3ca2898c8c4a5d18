/**
 * The DACA black-box suite against the real stack: placement, scheduler, Redis, one daprd per app and the
 * three apps as child processes in Dapr mode (the same launcher as `npm run stack`, on free ports).
 */
import { join } from "node:path";
import { freePortPlan } from "../src/ports.ts";
import { REPO_ROOT } from "../src/paths.ts";
import { appEnv, parseStackArgs, startStack, type Stack } from "../src/stack.ts";
import { waitForHttp } from "../src/health.ts";
import { defineDacaSuite } from "./daca/suite.ts";

defineDacaSuite("DACA over HTTP, real Dapr stack (npm run stack)", async () => {
  const plan = await freePortPlan(["chat-service", "agent-memory-service", "tool-service"]);
  const logs: string[] = [];
  const stack: Stack = await startStack({
    options: { ...parseStackArgs([], {}), tracing: "off" },
    plan,
    log: (line) => logs.push(line),
    onUnexpectedExit: (name, info, tail) => {
      throw new Error(`${name} exited unexpectedly (${JSON.stringify(info)}):\n${tail.join("\n")}`);
    },
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  const url = (appId: string) => `http://127.0.0.1:${plan.apps[appId]!.appPort}`;
  return {
    chatUrl: url("chat-service"),
    memoryUrl: url("agent-memory-service"),
    async restartChatService() {
      // Same command line as the stack launcher; the sidecar, Redis, placement and scheduler keep running.
      await stack.dapr.supervisor.stop("chat-service");
      const proc = stack.dapr.supervisor.start(
        "chat-service",
        process.execPath,
        [
          "--conditions=troupe-source",
          "--import",
          "tsx",
          join(REPO_ROOT, "apps", "chat-service", "src", "server.ts"),
        ],
        { env: appEnv({ ...process.env, LOG_LEVEL: "warn" }, "chat-service", plan), cwd: REPO_ROOT },
      );
      await waitForHttp(`${url("chat-service")}/healthz`, { process: proc, timeoutMs: 60_000 });
      await stack.dapr.waitHealthy("chat-service");
    },
    stop: () => stack.stop(),
  };
});
