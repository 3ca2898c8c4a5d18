import { describe, expect, it } from "vitest";
import { carriesTraceContext } from "../src/sdk.ts";

describe("carriesTraceContext (which fetch calls the undici instrumentation leaves to our own propagation)", () => {
  it("finds a traceparent header in undici's flat header array and raw header string", () => {
    expect(
      carriesTraceContext({ headers: ["content-type", "application/json", "Traceparent", "00-x"] }),
    ).toBe(true);
    expect(
      carriesTraceContext({ headers: ["content-type", "application/json", "x-traceparent", "00-x"] }),
    ).toBe(false);
    expect(carriesTraceContext({ headers: "host: a\r\ntraceparent: 00-x\r\n" })).toBe(true);
    expect(carriesTraceContext({ headers: "host: a\r\nx-traceparent: 00-x\r\n" })).toBe(false);
    expect(carriesTraceContext({ headers: [] })).toBe(false);
  });
});
