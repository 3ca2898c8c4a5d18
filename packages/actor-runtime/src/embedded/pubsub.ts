import { randomUUID } from "node:crypto";
import { context, propagation } from "@opentelemetry/api";
import type { Json } from "@troupe/actor-interfaces";
import type { ActorLogger, CloudEvent, DeliveryStatus, EventPublisher } from "../api.ts";
import { runOutsideCallContext } from "../core/call-context.ts";
import { wireCopy } from "../core/json.ts";
import { traceDelivery, tracePublish } from "../core/tracing.ts";
import { createStderrLogger } from "./logger.ts";

/** `messaging.system` of the in-process broker's spans. */
const MESSAGING_SYSTEM = "troupe-embedded";

/** Receives one event; answers like a Dapr subscriber. Throwing counts as RETRY. */
export type EventHandler = (event: CloudEvent) => Promise<DeliveryStatus>;

/** A routing rule: Dapr's CEL `event.type == "X"` (the only form supported) or a plain type match. */
export interface RouteRule {
  match: string | { type: string };
  handler: EventHandler;
}

export interface SubscriptionSpec {
  topic: string;
  rules?: RouteRule[];
  /** Receives events no rule matched; without it they are dropped (as Dapr does). */
  defaultHandler?: EventHandler;
  /** After `maxAttempts` failed deliveries the event is published here. */
  deadLetterTopic?: string;
}

/** One entry of a Dapr `GET /dapr/subscribe` answer (programmatic subscriptions). */
export interface DaprSubscriptionJson {
  pubsubname?: string;
  topic: string;
  route?: string;
  routes?: { rules?: { match: string; path: string }[]; default?: string };
  deadLetterTopic?: string;
}

export interface RetryPolicy {
  /** Delivery attempts per event and subscription, the first included. Default 5. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles up to `maxBackoffMs`. Default 100. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface InProcessPubSubOptions {
  /** The `pubsubname` stamped on envelopes. Default "pubsub". */
  name?: string;
  /** CloudEvents `source`: the publishing app id. Default "troupe". */
  source?: string;
  retry?: Partial<RetryPolicy>;
  log?: ActorLogger;
}

/**
 * An in-process broker with Dapr's delivery contract: CloudEvents 1.0 envelopes, routing on `event.type`,
 * at-least-once delivery with exponential backoff on RETRY or a throw, DROP (logged) and dead-letter topics.
 * `publish` resolves once the event is queued; delivery happens asynchronously.
 */
export interface InProcessPubSub extends EventPublisher {
  /** Adds a subscription; returns a function that removes it. */
  subscribe(spec: SubscriptionSpec): () => void;
  /**
   * Adds the subscriptions an app declares at `GET /dapr/subscribe`, delivering to `deliver(path, event)`
   * (the embedded launcher answers it with `fastify.inject`).
   */
  subscribeDapr(
    subscriptions: readonly DaprSubscriptionJson[],
    deliver: (path: string, event: CloudEvent) => Promise<DeliveryStatus>,
  ): () => void;
  /** Resolves when no delivery (or retry) is pending. */
  drain(): Promise<void>;
  /** Stops delivering; pending retries are abandoned. */
  close(): void;
}

interface Subscriber {
  readonly spec: SubscriptionSpec;
  readonly rules: { type: string; handler: EventHandler }[];
}

const CEL_TYPE_MATCH = /^\s*event\.type\s*==\s*(?:"([^"]*)"|'([^']*)')\s*$/;

/** Parses `event.type == "X"`; throws on any other CEL so a subscription never silently misroutes. */
export function parseTypeMatch(match: string | { type: string }): string {
  if (typeof match !== "string") return match.type;
  const parsed = CEL_TYPE_MATCH.exec(match);
  const type = parsed?.[1] ?? parsed?.[2];
  if (type === undefined) throw new Error(`unsupported routing rule (only event.type == "X"): ${match}`);
  return type;
}

export function createInProcessPubSub(options: InProcessPubSubOptions = {}): InProcessPubSub {
  const name = options.name ?? "pubsub";
  const source = options.source ?? "troupe";
  const retry: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 5_000, ...options.retry };
  const log = options.log ?? createStderrLogger();
  const subscribers = new Map<string, Set<Subscriber>>();
  const pending = new Set<Promise<void>>();
  const idleWaiters: (() => void)[] = [];
  const sleeping = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => {
      pending.delete(work);
      if (pending.size === 0) idleWaiters.splice(0).forEach((wake) => wake());
    });
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        sleeping.delete(timer);
        resolve();
      }, ms);
      sleeping.set(timer, resolve);
    });

  const route = (subscriber: Subscriber, event: CloudEvent): EventHandler | undefined =>
    subscriber.rules.find((rule) => rule.type === event.type)?.handler ?? subscriber.spec.defaultHandler;

  async function deliver(subscriber: Subscriber, event: CloudEvent): Promise<void> {
    const handler = route(subscriber, event);
    const where = { topic: event.topic, eventId: event.id, eventType: event.type };
    if (!handler) {
      log.warn(where, "no route matched the event; dropped");
      return;
    }
    for (let attempt = 1; attempt <= retry.maxAttempts && !closed; attempt++) {
      let status: DeliveryStatus;
      try {
        status = await traceDelivery(MESSAGING_SYSTEM, event.topic ?? "", event, () =>
          handler(wireCopy(event)),
        );
      } catch (error) {
        log.warn({ ...where, attempt, err: error }, "subscriber threw; will retry");
        status = "RETRY";
      }
      if (status === "SUCCESS") return;
      if (status === "DROP") {
        log.warn({ ...where, attempt }, "subscriber dropped the event");
        return;
      }
      if (attempt < retry.maxAttempts) {
        await sleep(Math.min(retry.maxBackoffMs, retry.initialBackoffMs * 2 ** (attempt - 1)));
      }
    }
    if (closed) return;
    const deadLetter = subscriber.spec.deadLetterTopic;
    log.warn(
      { ...where, attempts: retry.maxAttempts, deadLetterTopic: deadLetter },
      "delivery failed; giving up",
    );
    if (deadLetter) enqueue(deadLetter, { ...event, topic: deadLetter });
  }

  function enqueue(topic: string, event: CloudEvent): void {
    // Deliveries are new requests, as on Dapr: they never inherit the publisher's actor call chain.
    runOutsideCallContext(() => {
      for (const subscriber of subscribers.get(topic) ?? []) {
        track(
          new Promise<void>((resolve) => setImmediate(resolve))
            .then(() => deliver(subscriber, event))
            .catch((error: unknown) =>
              log.error({ topic, eventId: event.id, err: error }, "delivery crashed"),
            ),
        );
      }
    });
  }

  function publishTraced(topic: string, input: Parameters<EventPublisher["publish"]>[1]): Promise<void> {
    const carrier: { traceparent?: string; tracestate?: string } = {};
    propagation.inject(context.active(), carrier);
    const event: CloudEvent = {
      specversion: "1.0",
      id: input.id ?? randomUUID(),
      source,
      type: input.type,
      time: new Date().toISOString(),
      datacontenttype: "application/json",
      data: wireCopy<Json>(input.data),
      topic,
      pubsubname: name,
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
      ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
    };
    enqueue(topic, event);
    return Promise.resolve();
  }

  function subscribe(spec: SubscriptionSpec): () => void {
    const subscriber: Subscriber = {
      spec,
      rules: (spec.rules ?? []).map((rule) => ({ type: parseTypeMatch(rule.match), handler: rule.handler })),
    };
    let set = subscribers.get(spec.topic);
    if (!set) subscribers.set(spec.topic, (set = new Set()));
    set.add(subscriber);
    return () => void subscribers.get(spec.topic)?.delete(subscriber);
  }

  return {
    publish(topic, input) {
      if (closed) return Promise.reject(new Error("pub/sub is closed"));
      if (!topic) return Promise.reject(new Error("publish needs a topic"));
      if (!input.type) return Promise.reject(new Error("publish needs an event type"));
      // The PRODUCER span is active while the event is built, so the CloudEvent carries its context.
      return tracePublish(MESSAGING_SYSTEM, topic, input, () => publishTraced(topic, input));
    },
    subscribe,
    subscribeDapr(subscriptions, deliverTo) {
      const removers = subscriptions
        .filter((s) => (s.pubsubname ?? name) === name)
        .map((s) => {
          const toPath =
            (path: string): EventHandler =>
            (event) =>
              deliverTo(path, event);
          const defaultPath = s.routes?.default ?? s.route;
          return subscribe({
            topic: s.topic,
            rules: (s.routes?.rules ?? []).map((r) => ({ match: r.match, handler: toPath(r.path) })),
            ...(defaultPath ? { defaultHandler: toPath(defaultPath) } : {}),
            ...(s.deadLetterTopic ? { deadLetterTopic: s.deadLetterTopic } : {}),
          });
        });
      return () => removers.forEach((remove) => remove());
    },
    drain() {
      if (pending.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    close() {
      closed = true;
      for (const [timer, wake] of sleeping) {
        clearTimeout(timer);
        wake();
      }
      sleeping.clear();
      subscribers.clear();
      idleWaiters.splice(0).forEach((wake) => wake());
    },
  };
}
