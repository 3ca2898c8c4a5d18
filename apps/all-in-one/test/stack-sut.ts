/**
 * The whole system on the real Dapr stack for black-box suites: placement, scheduler, Redis, one daprd per
 * app and the three apps as child processes in Dapr mode (the `npm run stack` launcher, on free ports).
 */
import { freePortPlan, parseStackArgs, startStack, waitForHttp } from "@troupe/devstack";
import type { SystemUnderTest } from "./daca/suite.ts";

export async function startStackSystem(extraEnv: Record<string, string> = {}): Promise<SystemUnderTest> {
  const plan = await freePortPlan(["chat-service", "agent-memory-service", "tool-service"]);
  const env = { ...process.env, LOG_LEVEL: "warn", ...extraEnv };
  const stack = await startStack({
    options: { ...parseStackArgs([], {}), tracing: "off" },
    plan,
    // TROUPE_TEST_LOGS=1 streams every process log (prefixed) to stderr.
    log: process.env.TROUPE_TEST_LOGS ? (line) => process.stderr.write(`${line}\n`) : () => {},
    onUnexpectedExit: (name, info, tail) => {
      process.stderr.write(`${name} exited unexpectedly (${JSON.stringify(info)}):\n${tail.join("\n")}\n`);
    },
    env,
  });
  const url = (appId: string) => `http://127.0.0.1:${plan.apps[appId]!.appPort}`;
  return {
    chatUrl: url("chat-service"),
    memoryUrl: url("agent-memory-service"),
    async restartChatService() {
      await stack.restartApp("chat-service");
      // restartApp waited until daprd registered the restarted host's actor types again.
      await waitForHttp(`${url("chat-service")}/response/restart-probe/count`, {
        timeoutMs: 60_000,
      });
    },
    // daprd delivers over HTTP to the app port (which only daprd should reach: see the authentication issue).
    async deliverToMemory(path, event) {
      const response = await fetch(`${url("agent-memory-service")}${path}`, {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json" },
        body: JSON.stringify(event),
      });
      return response.json();
    },
    stop: () => stack.stop(),
  };
}
