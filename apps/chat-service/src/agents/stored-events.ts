import type { AgentMessageJson, Json } from "@troupe/actor-interfaces";
import type { AgentEvent, AgentMessage } from "@troupe/agent-loop";

/**
 * How agent events are kept in a session's event log: each completed message is stored once, in the
 * messages log, and the events that carry it (message_start/end, turn_end, agent_end) store its index there
 * instead: `{ "$message": index }`. Streaming deltas are never stored.
 */
export type MessageRef = { $message: number };

type StoredEvent = { type: string; data: Json };

/** The event as stored: messages that `indexOf` knows are replaced by their index. */
export function compactEvent(
  event: AgentEvent,
  indexOf: (m: AgentMessage) => number | undefined,
): StoredEvent {
  const ref = (m: AgentMessage): Json => {
    const index = indexOf(m);
    return index === undefined ? m : { $message: index };
  };
  switch (event.type) {
    case "message_start":
    case "message_end":
      return { type: event.type, data: { ...event, message: ref(event.message) } };
    case "turn_end":
      return {
        type: event.type,
        data: { ...event, message: ref(event.message), toolResults: event.toolResults.map(ref) },
      };
    case "agent_end":
      return { type: event.type, data: { ...event, messages: event.messages.map(ref) } };
    default:
      return { type: event.type, data: event };
  }
}

/** A streaming delta as pushed to clients: the sub-event without the partial-message snapshot. */
export function liveDelta(event: Extract<AgentEvent, { type: "message_update" }>): Json {
  const { partial: _snapshot, ...delta } = event.assistantMessageEvent as { partial?: unknown } & Record<
    string,
    unknown
  >;
  return { type: "message_update", assistantMessageEvent: delta } as Json;
}

/** Indices of the messages that `events` refer to. */
export function referencedMessages(events: readonly { data: Json }[]): number[] {
  const indices = new Set<number>();
  const visit = (value: Json | undefined) => {
    if (isRef(value)) indices.add(value.$message);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  for (const { data } of events) {
    if (data === null || typeof data !== "object" || Array.isArray(data)) continue;
    for (const field of ["message", "toolResults", "messages"]) visit(data[field]);
  }
  return [...indices].sort((a, b) => a - b);
}

/** The stored event with its message references replaced by the messages (a missing one is an error). */
export function hydrateEvent<E extends { data: Json }>(
  event: E,
  messages: ReadonlyMap<number, AgentMessageJson>,
): E {
  const { data } = event;
  if (data === null || typeof data !== "object" || Array.isArray(data)) return event;
  const resolve = (value: Json | undefined): Json | undefined => {
    if (isRef(value)) {
      const message = messages.get(value.$message);
      if (!message)
        throw new Error(`stored agent event refers to message ${value.$message}, which is missing`);
      return message;
    }
    return Array.isArray(value) ? value.map((v) => resolve(v) as Json) : value;
  };
  const hydrated: Record<string, Json | undefined> = { ...data };
  for (const field of ["message", "toolResults", "messages"]) {
    if (field in hydrated) hydrated[field] = resolve(hydrated[field]);
  }
  return { ...event, data: hydrated };
}

function isRef(value: Json | undefined): value is MessageRef {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    typeof (value as Record<string, Json>)["$message"] === "number" &&
    Object.keys(value).length === 1
  );
}
