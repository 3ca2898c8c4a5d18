import { ActorCallError, TroupeError } from "@troupe/actor-interfaces";
import { describe, expect, it } from "vitest";
import { createServer } from "../src/server.ts";

describe("the shared error policy", () => {
  const build = async () => {
    const app = createServer({ name: "t", logLevel: "silent" });
    app.post(
      "/typed",
      { schema: { body: { type: "object", required: ["n"], properties: { n: { type: "integer" } } } } },
      async () => ({}),
    );
    app.get("/conflict", async () => {
      throw new TroupeError("busy", "try later", 409);
    });
    app.get("/actor-404", async () => {
      throw new ActorCallError("ChatAgent", "x", "Nope", 404, "no such method", "actor_method_not_found");
    });
    app.get("/boom", async () => {
      throw new Error("secret internals");
    });
    await app.ready();
    return app;
  };

  it("answers validation failures with 400 naming the field, without coercing types", async () => {
    const app = await build();
    const missing = await app.inject({ method: "POST", url: "/typed", payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain('"n"');
    const wrongType = await app.inject({ method: "POST", url: "/typed", payload: { n: "5" } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.message).toContain("n");
  });

  it("passes expected errors through with their status and hides unexpected ones", async () => {
    const app = await build();
    expect((await app.inject("/conflict")).json()).toEqual({ error: { code: "busy", message: "try later" } });
    expect((await app.inject("/conflict")).statusCode).toBe(409);
    expect((await app.inject("/actor-404")).statusCode).toBe(404);
    const boom = await app.inject("/boom");
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain("secret internals");
    expect((await app.inject("/nowhere")).json().error.code).toBe("not_found");
  });
});
