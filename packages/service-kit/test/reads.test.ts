import { ActorCallError, TroupeError } from "@troupe/actor-interfaces";
import { describe, expect, it } from "vitest";
import { idempotentRead } from "../src/reads.ts";

const failing = (errors: Error[]) => {
  let calls = 0;
  const read = async () => {
    const err = errors[calls++];
    if (err) throw err;
    return "ok";
  };
  return { read, calls: () => calls };
};

describe("idempotentRead", () => {
  it("retries a read once after a transient 5xx from the sidecar", async () => {
    const r = failing([new ActorCallError("A", "1", "Get", 500, "context canceled")]);
    await expect(idempotentRead(r.read, 1)).resolves.toBe("ok");
    expect(r.calls()).toBe(2);
  });

  it("does not retry expected errors, timeouts, or a second failure", async () => {
    const expected = failing([new TroupeError("bad", "no", 400)]);
    await expect(idempotentRead(expected.read, 1)).rejects.toThrow("no");
    expect(expected.calls()).toBe(1);
    const timeout = failing([new ActorCallError("A", "1", "Get", 504, "slow")]);
    await expect(idempotentRead(timeout.read, 1)).rejects.toThrow("504");
    expect(timeout.calls()).toBe(1);
    const twice = failing([
      new ActorCallError("A", "1", "Get", 500, "x"),
      new ActorCallError("A", "1", "Get", 500, "y"),
    ]);
    await expect(idempotentRead(twice.read, 1)).rejects.toThrow("y");
    expect(twice.calls()).toBe(2);
  });
});
