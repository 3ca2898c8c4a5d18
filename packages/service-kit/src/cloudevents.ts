import type { FastifyInstance } from "fastify";

/**
 * Lets a plugin's subscription routes take daprd's deliveries: CloudEvents arrive as
 * `application/cloudevents+json`, which fastify does not parse by default. Malformed JSON is a 400.
 */
export function acceptCloudEvents(app: FastifyInstance): void {
  app.addContentTypeParser("application/cloudevents+json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined);
    }
  });
}
