import type { FastifyError, FastifyInstance } from "fastify";
import { expectedErrorBody, type ActorCallError, type TroupeError } from "@troupe/actor-interfaces";

/**
 * One error policy for every service: expected failures (validation, TroupeError, actor errors that carry
 * a 4xx) answer with `{ error: { code, message } }` and their status; anything else is logged once and
 * answered as a 500 without internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | TroupeError | ActorCallError | Error, request, reply) => {
    const expected = expectedErrorBody(err);
    if (expected) {
      return reply.code(expected.status).send({ error: { code: expected.code, message: expected.message } });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const message = fe.validation
        .map((v) => {
          const field = (v.instancePath || "").replace(/^\//, "").replaceAll("/", ".");
          const missing = (v.params as { missingProperty?: string }).missingProperty;
          const name = missing ? (field ? `${field}.${missing}` : missing) : field || fe.validationContext;
          return `${fe.validationContext ?? "request"}${name ? ` field "${name}"` : ""} ${v.message ?? "is invalid"}`;
        })
        .join("; ");
      return reply.code(400).send({ error: { code: "invalid_request", message } });
    }
    if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply
        .code(fe.statusCode)
        .send({ error: { code: fe.code ?? "bad_request", message: fe.message } });
    }
    request.log.error({ err }, "unhandled error");
    return reply.code(500).send({ error: { code: "internal", message: "internal error" } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: "not_found", message: `no route for ${request.method} ${request.url}` } }),
  );
}
