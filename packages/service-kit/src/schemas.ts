import { ID_PATTERN, TroupeError } from "@troupe/actor-interfaces";

/** JSON schema fragments shared by the services' routes. */
export const idParam = (name: string) =>
  ({
    type: "object",
    required: [name],
    properties: {
      [name]: { type: "string", pattern: ID_PATTERN, description: "URL-safe, 1-100 characters" },
    },
  }) as const;

export const errorResponse = {
  type: "object",
  properties: {
    error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
  },
} as const;

/** A required text field; pair with `requireNonBlank` for a clear message on whitespace-only input. */
export const text = (maxLength: number) => ({ type: "string", minLength: 1, maxLength }) as const;

/** Rejects whitespace-only text with a 400 that names the field. */
export function requireNonBlank(value: string, field: string): string {
  if (value.trim() === "")
    throw new TroupeError("invalid_request", `body field "${field}" must not be empty`, 400);
  return value;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The request's `Idempotency-Key` header (a client's retry key for a write), or undefined without one.
 * A malformed key is a 400 naming the header.
 */
export function idempotencyKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers["idempotency-key"];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !IDEMPOTENCY_KEY.test(value)) {
    const message = 'header "Idempotency-Key" must be 1-200 visible ASCII characters, given once';
    throw new TroupeError("invalid_request", message, 400);
  }
  return value;
}
