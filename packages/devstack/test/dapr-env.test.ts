import { describe, expect, it } from "vitest";
import { isAddressInUse } from "../src/dapr-env.ts";

describe("isAddressInUse (when startDaprEnv retries on a fresh port plan)", () => {
  it("recognises bind failures of daprd/placement/scheduler (Go), Redis and Node", () => {
    const tail = (line: string) =>
      new Error(`daprd:a exited (code 1, signal null) while waiting for x; last lines:\n${line}`);
    expect(
      isAddressInUse(
        tail(
          'level=error msg="Failed to listen ... listen tcp 127.0.0.1:50012: bind: address already in use"',
        ),
      ),
    ).toBe(true);
    expect(
      isAddressInUse(
        tail("# Could not create server TCP listening socket 127.0.0.1:6379: bind: Address already in use"),
      ),
    ).toBe(true);
    expect(isAddressInUse(new Error("listen EADDRINUSE: address already in use 127.0.0.1:8010"))).toBe(true);
  });

  it("does not retry other failures", () => {
    expect(isAddressInUse(new Error("timed out waiting for http://127.0.0.1:1/v1.0/healthz"))).toBe(false);
    expect(isAddressInUse("address already in use")).toBe(false);
  });
});
