import { defineTool, ToolError } from "./types.ts";

/** The current time, optionally in an IANA time zone. Read-only. */
export const getCurrentTime = (now: () => Date = () => new Date()) =>
  defineTool<{ timezone?: string }>({
    name: "get_current_time",
    description:
      "Returns the current date and time. Optional `timezone` is an IANA zone name such as Europe/Paris or UTC (default UTC). " +
      "Result: { iso (UTC, ISO 8601), timezone, local (wall-clock date and time in that zone), unixMs }.",
    parameters: {
      type: "object",
      properties: {
        timezone: {
          type: "string",
          minLength: 1,
          maxLength: 64,
          description: "IANA time zone name, e.g. America/New_York",
        },
      },
      additionalProperties: false,
    },
    sideEffect: "read-only",
    execute: ({ timezone = "UTC" }) => {
      const date = now();
      let local: string;
      try {
        local = new Intl.DateTimeFormat("en-CA", {
          timeZone: timezone,
          year: "numeric",
          month: "2-digit",
          day: "2-digit",
          hour: "2-digit",
          minute: "2-digit",
          second: "2-digit",
          hourCycle: "h23",
          timeZoneName: "short",
        }).format(date);
      } catch {
        return Promise.reject(
          new ToolError(`unknown time zone "${timezone}" (use an IANA name such as Europe/Paris)`),
        );
      }
      return Promise.resolve({ iso: date.toISOString(), timezone, local, unixMs: date.getTime() });
    },
  });
