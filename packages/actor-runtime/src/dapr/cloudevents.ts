/**
 * daprd delivers pub/sub messages to subscription routes as `application/cloudevents+json`, which fastify
 * does not parse by default. Register this on the app (or the scope holding the subscription routes).
 */
import type { FastifyInstance } from "fastify";

export const CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json";

export function addCloudEventsParser(app: FastifyInstance): void {
  if (app.hasContentTypeParser(CLOUDEVENTS_CONTENT_TYPE)) return;
  app.addContentTypeParser(CLOUDEVENTS_CONTENT_TYPE, { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      const e = err as Error & { statusCode?: number };
      e.statusCode = 400;
      done(e, undefined);
    }
  });
}
