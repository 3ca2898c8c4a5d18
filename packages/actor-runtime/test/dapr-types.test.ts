/**
 * Type-level tests: tsc checks the assertions (`npx tsc -p tsconfig.json`); vitest runs the file too, so a
 * runtime slip (e.g. a proxy missing a method) also fails.
 */
import { actorType, type ActorHandlers, type ActorProxy, type CallOptions } from "@troupe/actor-interfaces";
import { describe, expectTypeOf, it, expect } from "vitest";
import { registration, type ActorContext } from "../src/api.ts";
import { createDaprActorClient } from "../src/dapr/actor-client.ts";
import { FakeSidecar } from "./dapr-fake-sidecar.ts";

interface ChatAgentApi {
  ProcessMessage(input: { role: "user"; content: string }): Promise<{ reply: string }>;
  GetConversationHistory(input: {
    limit?: number;
  }): Promise<{ messages: { role: string; content: string }[] }>;
}
const ChatAgent = actorType<ChatAgentApi>()("ChatAgent", {
  ProcessMessage: true,
  GetConversationHistory: true,
});

/** A host class written against the contract. */
class ChatAgentActor implements ActorHandlers<ChatAgentApi> {
  constructor(private readonly ctx: ActorContext) {}
  ProcessMessage(input: { role: "user"; content: string }) {
    this.ctx.state.set("last", input.content);
    return Promise.resolve({ reply: `echo: ${input.content}` });
  }
  async GetConversationHistory(_input: { limit?: number }) {
    const last = await this.ctx.state.get<string>("last");
    return { messages: last ? [{ role: "user", content: last }] : [] };
  }
}

describe("contract types on the Dapr runtime", () => {
  it("a host class implements its contract and registers for its type", () => {
    expectTypeOf<ChatAgentActor>().toExtend<ActorHandlers<ChatAgentApi>>();
    const reg = registration(ChatAgent, (ctx) => new ChatAgentActor(ctx));
    expect(reg.type.name).toBe("ChatAgent");

    // A factory missing a method, or with a wrong return type, does not compile.
    // @ts-expect-error GetConversationHistory is missing
    registration(ChatAgent, () => ({ ProcessMessage: () => Promise.resolve({ reply: "x" }) }));
    registration(ChatAgent, () => ({
      // @ts-expect-error reply must be a string
      ProcessMessage: () => Promise.resolve({ reply: 1 }),
      GetConversationHistory: () => Promise.resolve({ messages: [] }),
    }));
  });

  it("a proxy has the contract's argument and return types, and nothing else", () => {
    const proxy = createDaprActorClient(new FakeSidecar()).actor(ChatAgent, "user1");
    expectTypeOf(proxy).toEqualTypeOf<ActorProxy<ChatAgentApi>>();
    expectTypeOf(proxy.ProcessMessage).parameter(0).toEqualTypeOf<{ role: "user"; content: string }>();
    expectTypeOf(proxy.ProcessMessage).parameter(1).toEqualTypeOf<CallOptions | undefined>();
    expectTypeOf(proxy.ProcessMessage).returns.toEqualTypeOf<Promise<{ reply: string }>>();
    // An input without required fields may be omitted.
    expectTypeOf(proxy.GetConversationHistory).parameter(0).toEqualTypeOf<{ limit?: number } | undefined>();
    expectTypeOf(proxy.GetConversationHistory).returns.resolves.toEqualTypeOf<{
      messages: { role: string; content: string }[];
    }>();
    expectTypeOf(proxy).not.toHaveProperty("then");

    if (Math.random() > 2) {
      // Never executed: these lines only have to (not) compile.
      // @ts-expect-error not a method of ChatAgent
      void proxy.Shout({});
      // @ts-expect-error content is required
      void proxy.ProcessMessage({ role: "user" });
      // @ts-expect-error the input is required for ProcessMessage
      void proxy.ProcessMessage();
    }
    expect(Object.keys(proxy).sort()).toEqual(["GetConversationHistory", "ProcessMessage"]);
  });
});
