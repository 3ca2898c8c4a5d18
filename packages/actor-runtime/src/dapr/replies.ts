/**
 * How the Dapr actor host answers daprd. Our errors are `{error:{code,message,status}}`. An expected
 * failure (`expectedErrorBody`) is a 200 with `X-DaprErrorResponseHeader`: daprd hands that header and body
 * back to the caller unchanged, whose proxy rethrows a TroupeError. Any other non-200 becomes a 500 at the
 * caller, whatever its status here.
 */
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import { expectedErrorBody, type ErrorBody } from "@troupe/actor-interfaces";
import { parseJsonBody } from "../core/json.ts";
import { ERROR_RESPONSE_HEADER } from "./actor-client.ts";

export function sendError(
  reply: FastifyReply,
  code: number,
  errorCode: string,
  message: string,
  status: number = code,
) {
  return reply
    .code(code)
    .type("application/json")
    .send({ error: { code: errorCode, message, status } });
}

/** Answers an expected failure so that it reaches the caller through daprd as a TroupeError. */
export function sendExpectedError(reply: FastifyReply, body: ErrorBody) {
  reply.header(ERROR_RESPONSE_HEADER, "true");
  return sendError(reply, 200, body.code, body.message, body.status);
}

/** Answers a method's failure: an expected one goes back typed; anything else is logged and a 500. */
export function sendMethodFailure(reply: FastifyReply, log: FastifyBaseLogger, err: unknown, where: string) {
  const expected = expectedErrorBody(err);
  if (expected) return sendExpectedError(reply, expected);
  log.error({ err, call: where }, "actor method failed");
  const message = err instanceof Error ? err.message : String(err);
  return sendError(reply, 500, "actor_method_failed", `${where} failed: ${message}`);
}

/** A request body as text (the host takes every body as text): blank is `undefined`, not JSON an Error. */
export function parseRequestBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  return parseJsonBody(body.trim(), (err) => new Error(`request body is not JSON (${err.message})`));
}

/**
 * A method's input: one JSON object, or nothing (`{}`). A bad input is the caller's mistake, so it is
 * refused with an expected error (status 400) rather than the 500 daprd makes of any non-200 answer.
 */
export function methodInput(body: unknown, type: string, method: string): { input: object } | ErrorBody {
  const input = parseRequestBody(body);
  if (input instanceof Error) {
    return { code: "invalid_json", message: `${type}.${method}: ${input.message}`, status: 400 };
  }
  if (input === undefined) return { input: {} };
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { code: "invalid_input", message: `${type}.${method} takes one JSON object`, status: 400 };
  }
  return { input };
}
