import { FetchRefused, safeFetch, type FetchHooks, type FetchPolicy } from "../net/safe-fetch.ts";
import { defineTool, ToolError } from "./types.ts";

/**
 * Fetches a public http(s) URL (GET) with the SSRF guard of src/net/safe-fetch.ts. Side-effect class
 * "idempotent": a GET should not change anything, but the target is arbitrary, so it is not declared
 * read-only. Non-2xx answers are results (the model sees the status), not failures.
 */
export const webFetch = (policy: FetchPolicy, hooks: Omit<FetchHooks, "signal"> = {}) =>
  defineTool<{ url: string }>({
    name: "web_fetch",
    description:
      `Fetches a public web page or API over http or https (GET). The body is returned as text, cut at ${policy.maxBytes} bytes. ` +
      "Private, loopback and link-local addresses are refused. Result: { url (after redirects), status, contentType, text, truncated, bytes, redirects }.",
    parameters: {
      type: "object",
      properties: {
        url: {
          type: "string",
          minLength: 1,
          maxLength: 2048,
          description: "absolute http:// or https:// URL",
        },
      },
      required: ["url"],
      additionalProperties: false,
    },
    sideEffect: "idempotent",
    execute: async ({ url }, ctx) => {
      try {
        const result = await safeFetch(url, policy, { ...hooks, signal: ctx.signal });
        return { ...result };
      } catch (err) {
        if (err instanceof FetchRefused) throw new ToolError(err.message);
        const code = (err as { code?: string }).code;
        if (typeof code === "string")
          throw new ToolError(`fetch failed: ${code}${err instanceof Error ? ` (${err.message})` : ""}`);
        throw err;
      }
    },
  });
