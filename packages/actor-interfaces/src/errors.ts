/**
 * Errors that cross the actor and service boundaries. They carry a machine-readable `code` and the HTTP
 * status a REST edge should answer with, so an expected failure deep in an actor becomes a clear 4xx.
 */
export interface ErrorBody {
  code: string;
  message: string;
  status: number;
}

/** An expected failure raised by actor or service code on purpose (bad input, a conflict, not found). */
export class TroupeError extends Error {
  override readonly name: string = "TroupeError";
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, status: this.status };
  }

  static fromBody(body: ErrorBody): TroupeError {
    return new TroupeError(body.code, body.message, body.status);
  }
}

/** A call to an actor that failed: names the actor, the method and the status. */
export class ActorCallError extends Error {
  override readonly name = "ActorCallError";
  constructor(
    readonly actorType: string,
    readonly actorId: string,
    readonly method: string,
    readonly status: number,
    detail: string,
    readonly code: string = "actor_call_failed",
  ) {
    super(`${actorType}/${actorId}.${method} failed (${status}): ${detail}`);
  }
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === "string" && typeof v.message === "string" && typeof v.status === "number";
}

/**
 * The one rule for which failures are expected: a TroupeError, or an ActorCallError with a 4xx status
 * (the callee refused the request: unknown actor or method, bad input, the caller gave up). Their body
 * travels back to the caller, who gets a TroupeError (or a 4xx at a REST edge). Anything else answers
 * `undefined`: an unexpected failure, logged once where it is caught and reported without its details.
 */
export function expectedErrorBody(error: unknown): ErrorBody | undefined {
  if (error instanceof TroupeError) return error.toBody();
  if (error instanceof ActorCallError && error.status >= 400 && error.status < 500) {
    return { code: error.code, message: error.message, status: error.status };
  }
  return undefined;
}
