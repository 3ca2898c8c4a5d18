import type { Json, JsonObject } from "./types.ts";

/**
 * A deliberately small check of tool arguments against the tool's JSON schema, run before a tool executes
 * so an obviously wrong call fails fast with a message the model can act on: the arguments must be an
 * object, `required` properties present, and top-level properties match their `type` and `enum`. No
 * coercion. Full validation is the tool's own business (tool-service validates with ajv).
 * Returns undefined when valid, else the problem.
 */
export function checkArguments(schema: JsonObject, args: JsonObject): string | undefined {
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const name of required) {
    if (typeof name === "string" && !(name in args)) return `missing required argument "${name}"`;
  }
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const [name, value] of Object.entries(args)) {
    const prop = properties[name];
    if (!isObject(prop)) {
      if (schema.additionalProperties === false) return `unknown argument "${name}"`;
      continue;
    }
    const types = typeof prop.type === "string" ? [prop.type] : Array.isArray(prop.type) ? prop.type : [];
    if (types.length > 0 && !types.some((t) => typeof t === "string" && hasType(value, t))) {
      return `argument "${name}" must be ${types.map((t) => String(t as string)).join(" or ")}`;
    }
    if (Array.isArray(prop.enum) && !prop.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
      return `argument "${name}" must be one of ${prop.enum.map((e) => JSON.stringify(e)).join(", ")}`;
    }
  }
  return undefined;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasType(value: Json, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return isObject(value);
    default:
      return true;
  }
}
