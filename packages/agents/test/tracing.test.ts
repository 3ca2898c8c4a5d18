/**
 * A run is one trace, and each task's span descends from its parent task's span (through the actor call
 * spans between them). The telemetry bootstrap runs with an in-memory exporter; task spans end before
 * their terminal events, so they are all finished once the run's result is in.
 */
import type { EmbeddedRuntime } from "@troupe/actor-runtime";
import { InMemorySpanExporter, SimpleSpanProcessor, startTelemetry, type Telemetry } from "@troupe/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentRunner } from "../src/index.ts";
import type * as TestAgents from "./agents.ts";

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry | undefined;
let runtime: EmbeddedRuntime | undefined;
let runner: AgentRunner;
let agents: typeof TestAgents;

beforeAll(async () => {
  telemetry = startTelemetry({
    serviceName: "agents-test",
    env: { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none" },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    flushOnSignals: false,
  });
  // Imported only now, after the global tracer provider exists (as `--import` of the bootstrap would).
  const { createEmbeddedRuntime, silentLogger } = await import("@troupe/actor-runtime");
  const { AgentHost, AgentRunner, agentRegistrations } = await import("../src/index.ts");
  agents = await import("./agents.ts");
  const host = new AgentHost(agents.allAgents);
  runtime = await createEmbeddedRuntime({ registrations: agentRegistrations(host), log: silentLogger });
  runner = new AgentRunner(runtime.actors, { host });
});

afterAll(async () => {
  await runtime?.stop();
  await telemetry?.shutdown();
});

describe("agent task spans", () => {
  it("makes a run one trace with each task under its parent task", async () => {
    exporter.reset();
    const handle = runner.run(agents.nested, "traced");
    await handle.result;
    const spans = exporter.getFinishedSpans();
    const tasks = spans.filter((s) => s.name.startsWith("agent.task "));
    expect(tasks.map((s) => s.attributes["troupe.agent.path"]).sort()).toEqual([
      "nested",
      "nested/echo",
      "nested/middle",
      "nested/middle/echo",
    ]);
    expect(new Set(tasks.map((s) => s.spanContext().traceId)).size).toBe(1);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const taskAncestor = (span: (typeof spans)[number]) => {
      for (let p = span.parentSpanContext?.spanId; p; p = byId.get(p)?.parentSpanContext?.spanId) {
        const ancestor = byId.get(p);
        if (ancestor?.name.startsWith("agent.task ")) return ancestor.attributes["troupe.agent.task_id"];
      }
      return null;
    };
    for (const task of tasks) {
      const taskId = String(task.attributes["troupe.agent.task_id"]);
      expect(taskAncestor(task)).toBe(taskId === "0" ? null : taskId.slice(0, taskId.lastIndexOf(".")));
    }
    expect(tasks.every((s) => s.attributes["troupe.agent.run_id"] === handle.runId)).toBe(true);
  });

  it("marks a failed task's span as an error", async () => {
    exporter.reset();
    await runner.run(agents.fail, { msg: "traced" }).result.catch(() => undefined);
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === "agent.task fail");
    expect(span?.status).toMatchObject({ code: 2, message: "boom: traced" });
    expect(span?.attributes["troupe.agent.outcome"]).toBe("failed");
  });
});
