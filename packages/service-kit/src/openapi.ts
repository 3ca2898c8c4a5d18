import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/** Serves the OpenAPI document built from the route schemas: UI at /docs, JSON at /docs/json. */
export async function registerOpenApi(app: FastifyInstance, info: { title: string; description: string }) {
  await app.register(swagger, { openapi: { info: { ...info, version: "0.1.0" } } });
  await app.register(swaggerUi, { routePrefix: "/docs" });
}
