/**
 * Copies a value the way the wire would: through JSON. Embedded callers and actors never share mutable
 * objects, and values that JSON cannot carry (functions, undefined fields, Dates) behave as they do on Dapr.
 */
export function wireCopy<T>(value: T): T {
  if (value === undefined) return value;
  const text = JSON.stringify(value) as string | undefined;
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}

/**
 * Parses a message body: an empty body is `undefined`, and a body that is not JSON is whatever `onInvalid`
 * makes of the parse error.
 */
export function parseJsonBody<T>(body: string, onInvalid: (error: Error) => T): unknown {
  if (body === "") return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    return onInvalid(error as Error);
  }
}

/** A response body as JSON when it is JSON, else as its text (an error page, a plain message). */
export function parseJsonOrText(body: string): unknown {
  return parseJsonBody(body, () => body);
}
