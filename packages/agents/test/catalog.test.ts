import { describe, expect, it } from "vitest";
import { AgentCatalog, AgentConfigError, defineAgent } from "../src/index.ts";

const a = defineAgent({
  name: "a",
  description: "first",
  inputSchema: { type: "object" },
  execute: async () => 1,
});
const b = defineAgent({ name: "b", execute: async () => 2 });

describe("AgentCatalog", () => {
  it("lists agents with their description and input schema", () => {
    expect(new AgentCatalog([a, b]).list()).toEqual([
      { name: "a", description: "first", inputSchema: { type: "object" } },
      { name: "b", description: null, inputSchema: null },
    ]);
  });

  it("refuses a duplicate or unusable name", () => {
    expect(() => new AgentCatalog([a, a])).toThrow(new AgentConfigError('agent "a" is already registered'));
    expect(() => new AgentCatalog([{ ...b, name: "no spaces" }])).toThrow(AgentConfigError);
    expect(() => new AgentCatalog([{ ...b, name: "x/y" }])).toThrow('invalid agent name: "x/y"');
  });
});
