import { describe, expect, it } from "vitest";
import { ConfigError, env, parseEnv } from "../src/env.ts";

const schema = {
  port: env.port("PORT", 8010),
  name: env.string("APP_ID"),
  debug: env.bool("DEBUG", false),
  level: env.oneOf("LOG_LEVEL", ["info", "debug"], "info"),
  key: env.optional("API_KEY", { secret: true }),
};

describe("parseEnv", () => {
  it("applies defaults and parses values", () => {
    expect(parseEnv(schema, { APP_ID: "a", DEBUG: "yes", API_KEY: "" })).toEqual({
      port: 8010,
      name: "a",
      debug: true,
      level: "info",
      key: undefined,
    });
  });

  it("reports every problem at once, naming the variables", () => {
    expect(() => parseEnv(schema, { PORT: "70000", DEBUG: "maybe", LOG_LEVEL: "loud" })).toThrow(ConfigError);
    try {
      parseEnv(schema, { PORT: "70000", DEBUG: "maybe", LOG_LEVEL: "loud" });
    } catch (e) {
      const message = (e as Error).message;
      for (const name of ["PORT", "APP_ID is required", "DEBUG", "LOG_LEVEL"])
        expect(message).toContain(name);
    }
  });
});
