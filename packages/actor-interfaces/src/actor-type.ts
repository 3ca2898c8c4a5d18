/**
 * An actor type is a runtime name plus a TypeScript shape. Callers import only this (never host code):
 *
 *   export const ChatAgent = actorType<ChatAgentApi>()("ChatAgent", { ProcessMessage: true, ... });
 *   await client.actor(ChatAgent, "user1").ProcessMessage({ role: "user", content: "hi" });
 *
 * Contract of every method: one JSON object in, JSON out (PascalCase names on the wire, as Dapr's SDKs use).
 */

/** A JSON-serialisable value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

/** The shape of an actor: every member is an async method taking one object. */
export type ActorShape<S> = {
  [K in keyof S]: S[K] extends (input: infer I) => Promise<infer _O>
    ? I extends object
      ? S[K]
      : never
    : never;
};

export interface ActorType<S> {
  /** The actor type name registered with Dapr (`entities` in /dapr/config). */
  readonly name: string;
  /** Method names on the wire; the host and the proxy both allow exactly these. */
  readonly methods: ReadonlySet<keyof S & string>;
  /** Phantom field carrying the shape; never set at runtime. */
  readonly __shape?: S;
}

export type ShapeOf<T> = T extends ActorType<infer S> ? S : never;

/**
 * Declares an actor type. The method table must name every method of the shape exactly once, so the
 * runtime allow-list cannot drift from the TypeScript interface.
 */
export function actorType<S extends ActorShape<S>>() {
  return (name: string, methods: { [K in keyof S]-?: true }): ActorType<S> => {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error(`invalid actor type name: ${name}`);
    return Object.freeze({ name, methods: new Set(Object.keys(methods) as (keyof S & string)[]) });
  };
}

/** Options for one call through a proxy. */
export interface CallOptions {
  /** Milliseconds before the caller gives up; the runtime default applies when omitted. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type InputOf<F> = F extends (input: infer I) => Promise<unknown> ? I : never;
type OutputOf<F> = F extends (input: never) => Promise<infer O> ? O : never;

/**
 * The caller's view of an actor: the same methods, plus per-call options. Methods whose input has no
 * required fields may be called without an argument.
 */
export type ActorProxy<S> = {
  // `{} extends I` is the standard test for "I has no required keys".
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  readonly [K in keyof S]: {} extends InputOf<S[K]>
    ? (input?: InputOf<S[K]>, options?: CallOptions) => Promise<OutputOf<S[K]>>
    : (input: InputOf<S[K]>, options?: CallOptions) => Promise<OutputOf<S[K]>>;
};

/** What a host class must implement for a type: exactly the shape's methods. */
export type ActorHandlers<S> = { [K in keyof S]: S[K] };

/** Calls actors. Implemented over the Dapr sidecar and by the embedded runtime. */
export interface ActorClient {
  actor<S>(type: ActorType<S>, id: string): ActorProxy<S>;
}
