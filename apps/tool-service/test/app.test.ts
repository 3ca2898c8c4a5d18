import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { ToolListResponse } from "@troupe/actor-interfaces";
import { defineTool, ToolError } from "../src/tools/index.ts";
import { buildApp } from "./helpers.ts";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const invoke = (server: FastifyInstance, name: string, body: unknown, headers: Record<string, string> = {}) =>
  server.inject({ method: "POST", url: `/tools/${name}/invoke`, payload: body as object, headers });

describe("GET /tools", () => {
  it("lists every tool with its schema and side-effect class", async () => {
    app = await buildApp();
    const res = await app.inject({ method: "GET", url: "/tools" });
    expect(res.statusCode).toBe(200);
    const body = res.json<ToolListResponse>();
    expect(body.tools.map((t) => [t.name, t.sideEffect])).toEqual([
      ["get_current_time", "read-only"],
      ["calculator", "read-only"],
      ["web_fetch", "idempotent"],
    ]);
    const calc = body.tools.find((t) => t.name === "calculator");
    expect(calc?.parameters).toMatchObject({ type: "object", required: ["expression"] });
    expect(calc?.description).toContain("sqrt");
  });
});

describe("POST /tools/:name/invoke", () => {
  it("runs the calculator", async () => {
    app = await buildApp();
    const res = await invoke(app, "calculator", { arguments: { expression: "(2 + 3) * 4 ^ 2" } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ result: { expression: "(2 + 3) * 4 ^ 2", value: 80 } });
  });

  it("a tool's expected failure is a 422 with its message", async () => {
    app = await buildApp();
    const res = await invoke(app, "calculator", { arguments: { expression: "1 / (3 - 3)" } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ error: { code: "tool_failed", message: "division by zero" } });
  });

  it("validates arguments against the tool's schema, naming the field", async () => {
    app = await buildApp();
    const missing = await invoke(app, "calculator", { arguments: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ error: { message: string } }>().error.message).toContain("arguments.expression");
    const wrongType = await invoke(app, "calculator", { arguments: { expression: { nested: true } } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json<{ error: { message: string } }>().error.message).toContain("arguments.expression");
    const tooLong = await invoke(app, "calculator", { arguments: { expression: "1".repeat(1001) } });
    expect(tooLong.statusCode).toBe(400);
    const unknown = await invoke(app, "calculator", { arguments: { expression: "1", mode: "x" } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ error: { message: string } }>().error.message).toContain('"arguments.mode"');
    const badShape = await invoke(app, "calculator", { args: { expression: "1" } });
    expect(badShape.statusCode).toBe(400);
    expect(badShape.json<{ error: { message: string } }>().error.message).toContain('"args"');
  });

  it("unknown tool → 404", async () => {
    app = await buildApp();
    const res = await invoke(app, "rm_rf", { arguments: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "tool_not_found", message: 'no tool named "rm_rf"' } });
  });

  it("get_current_time: UTC by default, an IANA zone, and a clear error for an unknown zone", async () => {
    app = await buildApp();
    const utc = await invoke(app, "get_current_time", { arguments: {} });
    expect(utc.statusCode).toBe(200);
    const r = utc.json<{ result: { iso: string; timezone: string; unixMs: number; local: string } }>().result;
    expect(r.timezone).toBe("UTC");
    expect(Math.abs(Date.parse(r.iso) - Date.now())).toBeLessThan(60_000);
    expect(r.unixMs).toBe(Date.parse(r.iso));
    const tokyo = await invoke(app, "get_current_time", { arguments: { timezone: "Asia/Tokyo" } });
    expect(tokyo.json<{ result: { local: string } }>().result.local).toMatch(/GMT\+9/);
    const bad = await invoke(app, "get_current_time", { arguments: { timezone: "Mars/Olympus" } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json<{ error: { message: string } }>().error.message).toContain(
      'unknown time zone "Mars/Olympus"',
    );
  });
});

describe("Idempotency-Key for at-most-once tools", () => {
  function counterTool() {
    const state = { runs: 0 };
    const tool = defineTool<{ amount: number }>({
      name: "charge_card",
      description: "test tool with a side effect",
      parameters: {
        type: "object",
        properties: { amount: { type: "number" } },
        required: ["amount"],
        additionalProperties: false,
      },
      sideEffect: "at-most-once",
      execute: async ({ amount }) => {
        state.runs++;
        await new Promise((r) => setTimeout(r, 20));
        if (amount < 0) throw new ToolError("negative amount");
        return { charged: amount, run: state.runs };
      },
    });
    return { state, tool };
  }

  it("the same key twice runs the tool once and returns the first result", async () => {
    const { state, tool } = counterTool();
    app = await buildApp({ extraTools: [tool] });
    const first = await invoke(app, "charge_card", { arguments: { amount: 5 } }, { "idempotency-key": "k1" });
    const second = await invoke(
      app,
      "charge_card",
      { arguments: { amount: 5 } },
      { "idempotency-key": "k1" },
    );
    expect(first.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(state.runs).toBe(1);
    // Concurrent duplicates share one execution too.
    const both = await Promise.all([
      invoke(app, "charge_card", { arguments: { amount: 7 } }, { "idempotency-key": "k2" }),
      invoke(app, "charge_card", { arguments: { amount: 7 } }, { "idempotency-key": "k2" }),
    ]);
    expect(both[0].json()).toEqual(both[1].json());
    expect(state.runs).toBe(2);
  });

  it("a different key or no key runs again; the same key with other arguments is a 409; failures are remembered", async () => {
    const { state, tool } = counterTool();
    app = await buildApp({ extraTools: [tool] });
    await invoke(app, "charge_card", { arguments: { amount: 5 } }, { "idempotency-key": "a" });
    await invoke(app, "charge_card", { arguments: { amount: 5 } }, { "idempotency-key": "b" });
    await invoke(app, "charge_card", { arguments: { amount: 5 } });
    expect(state.runs).toBe(3);
    const conflict = await invoke(
      app,
      "charge_card",
      { arguments: { amount: 6 } },
      { "idempotency-key": "a" },
    );
    expect(conflict.statusCode).toBe(409);
    expect(state.runs).toBe(3);
    const failed1 = await invoke(
      app,
      "charge_card",
      { arguments: { amount: -1 } },
      { "idempotency-key": "neg" },
    );
    const failed2 = await invoke(
      app,
      "charge_card",
      { arguments: { amount: -1 } },
      { "idempotency-key": "neg" },
    );
    expect([failed1.statusCode, failed2.statusCode]).toEqual([422, 422]);
    expect(state.runs).toBe(4);
  });

  it("read-only tools ignore the key (re-running is harmless)", async () => {
    app = await buildApp();
    const a = await invoke(app, "get_current_time", { arguments: {} }, { "idempotency-key": "same" });
    await new Promise((r) => setTimeout(r, 5));
    const b = await invoke(app, "get_current_time", { arguments: {} }, { "idempotency-key": "same" });
    expect(a.json<{ result: { unixMs: number } }>().result.unixMs).toBeLessThan(
      b.json<{ result: { unixMs: number } }>().result.unixMs,
    );
  });
});

describe("OpenAPI", () => {
  it("documents the tool routes with their argument schemas at /docs/json", async () => {
    app = await buildApp();
    const res = await app.inject({ method: "GET", url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, { post?: { requestBody?: unknown } }> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/tools", "/tools/calculator/invoke", "/tools/web_fetch/invoke"]) as string[],
    );
    expect(JSON.stringify(doc.paths["/tools/calculator/invoke"]?.post?.requestBody)).toContain("expression");
  });
});
