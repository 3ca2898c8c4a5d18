import { describe, expect, it } from "vitest";
import { FIXED_PORTS } from "../src/ports.ts";
import { appEnv, assertPortsFree, describePlan, parseStackArgs } from "../src/stack.ts";

describe("parseStackArgs", () => {
  it("defaults: apps on, info logs, tracing auto, no secrets", () => {
    expect(parseStackArgs([], {})).toEqual({
      daprLogLevel: "info",
      withApps: true,
      tracing: "auto",
      secrets: {},
      help: false,
    });
  });

  it("reads the flags and passes OPENAI_API_KEY to daprd as a secret when set", () => {
    expect(
      parseStackArgs(["--no-apps", "--dapr-log-level=debug", "--tracing=off"], {
        OPENAI_API_KEY: "k",
        X: "y",
      }),
    ).toEqual({
      daprLogLevel: "debug",
      withApps: false,
      tracing: "off",
      secrets: { OPENAI_API_KEY: "k" },
      help: false,
    });
    expect(parseStackArgs(["-h"], { OPENAI_API_KEY: "" }).help).toBe(true);
    expect(parseStackArgs([], { OPENAI_API_KEY: "" }).secrets).toEqual({});
  });

  it("rejects unknown options and bad values with the usage text", () => {
    expect(() => parseStackArgs(["--bogus"], {})).toThrow(
      /unknown or malformed option "--bogus"[\s\S]*Usage: npm run stack/,
    );
    expect(() => parseStackArgs(["--dapr-log-level=loud"], {})).toThrow(/--dapr-log-level=loud/);
    expect(() => parseStackArgs(["--no-apps=1"], {})).toThrow(/--no-apps=1/);
  });
});

describe("appEnv", () => {
  it("gives each app its port, loopback host, app-id, and its sidecar's HTTP address", () => {
    expect(appEnv({ PATH: "/bin" }, "agent-memory-service", FIXED_PORTS)).toEqual({
      PATH: "/bin",
      PORT: "8001",
      HOST: "127.0.0.1",
      APP_ID: "agent-memory-service",
      DAPR_HOST: "127.0.0.1",
      DAPR_HTTP_PORT: "3501",
    });
    expect(() => appEnv({}, "nope", FIXED_PORTS)).toThrow(/no ports for nope/);
  });

  it("prints the port table", () => {
    expect(describePlan(FIXED_PORTS)).toMatch(
      /chat-service\s+app http:\/\/127\.0\.0\.1:8010\s+dapr http 3500/,
    );
  });
});

describe("assertPortsFree", () => {
  it("passes when nothing listens, and names every taken port (hinting at the system Redis)", async () => {
    await expect(assertPortsFree(FIXED_PORTS, () => Promise.resolve(false))).resolves.toBeUndefined();
    const taken = new Set([6379, 3501]);
    await expect(assertPortsFree(FIXED_PORTS, (p) => Promise.resolve(taken.has(p)))).rejects.toThrow(
      "ports already in use on 127.0.0.1: 6379 (redis), 3501 (agent-memory-service dapr http). Is another stack running, or the system redis-server (sudo systemctl stop redis-server)?",
    );
  });
});
