import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import {
  TroupeError,
  type ToolDescriptor,
  type ToolInvokeRequest,
  type ToolInvokeResponse,
  type ToolListResponse,
} from "@troupe/actor-interfaces";
import type { IdempotencyCache } from "../idempotency.ts";
import type { ToolDefinition } from "../tools/index.ts";

export interface ToolRoutesOptions {
  tools: ToolDefinition[];
  idempotency: IdempotencyCache;
}

/**
 * GET  /tools                → ToolListResponse (name, description, JSON schema, side-effect class)
 * POST /tools/:name/invoke   → ToolInvokeResponse; body ToolInvokeRequest `{ "arguments": {…} }` (arguments
 *                              may be omitted for tools without required arguments). Errors: 400 invalid
 *                              arguments (names the field), 404 unknown tool, 409 idempotency conflict,
 *                              422 the tool's expected failure. At-most-once tools honour Idempotency-Key.
 * One route per tool, so fastify validates each body against that tool's schema.
 */
export const toolRoutes: FastifyPluginAsync<ToolRoutesOptions> = (fastify, { tools, idempotency }) => {
  const names = new Set<string>();
  for (const tool of tools) {
    if (names.has(tool.name)) throw new Error(`duplicate tool name ${tool.name}`);
    names.add(tool.name);
  }
  const list: ToolListResponse = { tools: tools.map(describe) };

  fastify.get("/tools", (): Promise<ToolListResponse> => Promise.resolve(list));

  for (const tool of tools) {
    fastify.post<{ Body: ToolInvokeRequest | undefined }>(
      `/tools/${tool.name}/invoke`,
      {
        schema: {
          body: {
            type: "object",
            properties: { arguments: { ...tool.parameters, default: {} } },
            additionalProperties: false,
          },
        },
        // ajv (fastify's settings) silently drops unknown properties; refuse them instead, naming the field.
        preValidation: (request, _reply, done) => {
          try {
            refuseUnknownArguments(request, tool);
            done();
          } catch (err) {
            done(err as Error);
          }
        },
      },
      async (request, reply): Promise<ToolInvokeResponse> => {
        const args = request.body?.arguments ?? {};
        // The caller went away before the answer was written: cancel the tool.
        const controller = new AbortController();
        reply.raw.once("close", () => {
          if (!reply.raw.writableFinished) controller.abort();
        });
        const run = () => tool.execute(args, { signal: controller.signal });
        const key = headerValue(request, "idempotency-key");
        const result =
          tool.sideEffect === "at-most-once" && key
            ? await idempotency.run(tool.name, key, args, run)
            : await run();
        return { result };
      },
    );
  }

  fastify.post<{ Params: { name: string } }>("/tools/:name/invoke", (request) =>
    Promise.reject(new TroupeError("tool_not_found", `no tool named "${request.params.name}"`, 404)),
  );
  return Promise.resolve();
};

function describe(tool: ToolDefinition): ToolDescriptor {
  return {
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    sideEffect: tool.sideEffect,
  };
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text && text.length > 0 ? text : undefined;
}

function refuseUnknownArguments(request: FastifyRequest, tool: ToolDefinition): void {
  const body = request.body as { arguments?: unknown } | undefined;
  if (typeof body !== "object" || body === null) return;
  for (const key of Object.keys(body)) {
    if (key !== "arguments")
      throw new TroupeError(
        "invalid_request",
        `body field "${key}" is not allowed (expected { "arguments": {…} })`,
        400,
      );
  }
  const args = body.arguments;
  const properties = tool.parameters.properties;
  if (
    tool.parameters.additionalProperties !== false ||
    typeof args !== "object" ||
    args === null ||
    Array.isArray(args)
  )
    return;
  const known = typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
  for (const key of Object.keys(args)) {
    if (!known.includes(key))
      throw new TroupeError(
        "invalid_request",
        `body field "arguments.${key}" is not an argument of ${tool.name}`,
        400,
      );
  }
}
