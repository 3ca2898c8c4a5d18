import type { Json } from "@troupe/actor-interfaces";
import type { AgentContext } from "./context.ts";
import { AgentConfigError } from "./errors.ts";

/**
 * A typed unit of work. `execute` returns its output, or is an async generator whose yields are chunks:
 * then the output is the generator's return value if it returns one, else the list of chunks. Inputs,
 * chunks and outputs cross actor boundaries, so they must be JSON.
 */
export interface Agent<I = Json, O = Json> {
  readonly name: string;
  readonly description?: string;
  /** A JSON schema of the input (published in the catalog; validation is the caller's edge's job). */
  readonly inputSchema?: Json;
  execute(input: I, ctx: AgentContext): Promise<O> | AsyncGenerator<Json, O | undefined, undefined>;
  /** Runs before `execute`; a cancelled task whose hook is still running never reaches `execute`. */
  onStarted?(ctx: AgentContext): Promise<void> | void;
  /** Runs after `execute` ends, whatever the outcome. */
  onStopped?(ctx: AgentContext): Promise<void> | void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAgent = Agent<any, any>;
export type InputOf<A> = A extends Agent<infer I, unknown> ? I : never;
export type OutputOf<A> = A extends Agent<never, infer O> ? O : never;

/** Typing helper: `defineAgent<{q: string}, string>({ name: "echo", async execute({q}) { return q; } })`. */
export function defineAgent<I = Json, O = Json>(agent: Agent<I, O>): Agent<I, O> {
  return agent;
}

/** The agents a host can run, by name. Every host of a run needs the agents its tasks name. */
export class AgentCatalog {
  private readonly agents = new Map<string, AnyAgent>();

  constructor(agents: readonly AnyAgent[] = []) {
    for (const agent of agents) this.register(agent);
  }

  register(agent: AnyAgent): this {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(agent.name)) {
      throw new AgentConfigError(`invalid agent name: "${agent.name}"`);
    }
    if (this.agents.has(agent.name))
      throw new AgentConfigError(`agent "${agent.name}" is already registered`);
    this.agents.set(agent.name, agent);
    return this;
  }

  get(name: string): AnyAgent | undefined {
    return this.agents.get(name);
  }

  list(): { name: string; description: string | null; inputSchema: Json }[] {
    return [...this.agents.values()].map((a) => ({
      name: a.name,
      description: a.description ?? null,
      inputSchema: a.inputSchema ?? null,
    }));
  }
}
