/**
 * Copies a value the way the wire would: through JSON. Embedded callers and actors never share mutable
 * objects, and values that JSON cannot carry (functions, undefined fields, Dates) behave as they do on Dapr.
 */
export function wireCopy<T>(value: T): T {
  if (value === undefined) return value;
  const text = JSON.stringify(value) as string | undefined;
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}
