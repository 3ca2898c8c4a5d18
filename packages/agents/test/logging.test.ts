/**
 * An agent's unexpected error is logged once, by the task that threw it; the tasks it travels through as a
 * typed AgentFailedError (and the caller) do not log it again. Expected failures are not logged.
 */
import { createEmbeddedRuntime, type ActorLogger, type EmbeddedRuntime } from "@troupe/actor-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentHost, AgentRunner, agentRegistrations } from "../src/index.ts";
import { allAgents, orchestrate, scenarios, fail, echo } from "./agents.ts";

const lines: { level: string; obj: object; msg: string | undefined }[] = [];
const capture: ActorLogger = {
  info: (obj, msg) => lines.push({ level: "info", obj, msg }),
  warn: (obj, msg) => lines.push({ level: "warn", obj, msg }),
  error: (obj, msg) => lines.push({ level: "error", obj, msg }),
};
let runtime: EmbeddedRuntime | undefined;
let runner: AgentRunner;

beforeAll(async () => {
  const host = new AgentHost(allAgents);
  runtime = await createEmbeddedRuntime({ registrations: agentRegistrations(host), log: capture });
  runner = new AgentRunner(runtime.actors, { host });
});
afterAll(() => runtime?.stop());

describe("error logging", () => {
  it("logs an agent's unexpected error once, where it was thrown", async () => {
    lines.length = 0;
    scenarios.set("log-once", (ctx) =>
      ctx.sequence([
        [echo, 1],
        [fail, { msg: "once" }],
      ] as const),
    );
    await expect(runner.run(orchestrate, { scenario: "log-once" }).result).rejects.toMatchObject({
      name: "AgentFailedError",
      message: "boom: once",
    });
    const errors = lines.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: "agent failed", obj: { agent: "fail" } });
  });

  it("does not log expected failures (a typed error in a scenario)", async () => {
    lines.length = 0;
    scenarios.set("expected", (ctx) => ctx.race([]));
    await expect(runner.run(orchestrate, { scenario: "expected" }).result).rejects.toMatchObject({
      errorName: "AgentConfigError",
    });
    expect(lines.filter((l) => l.level === "error")).toEqual([]);
  });
});
