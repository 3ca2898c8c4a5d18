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
