/**
 * Durations as Dapr accepts them for timers, reminders and runtime settings: Go durations ("90s",
 * "1h30m", "1.5s", "250ms"), ISO 8601 durations without a repeat ("PT1M30S", "P1D"), or milliseconds.
 *
 * Contract: returns whole milliseconds >= 0; throws on anything else (negative, empty, unknown unit).
 */
const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const GO_DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/;
const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

export function parseDuration(value: string | number): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid duration: ${value}`);
    return Math.round(value);
  }
  const text = value.trim();
  if (text === "0") return 0;
  if (/^P/i.test(text)) return parseIso(text, value);
  return parseGo(text, value);
}

function parseGo(text: string, original: string): number {
  if (text === "") throw new Error("invalid duration: empty");
  let rest = text;
  let total = 0;
  while (rest.length > 0) {
    const match = GO_DURATION.exec(rest);
    const unit = match?.[2];
    if (!match?.[1] || unit === undefined) throw new Error(`invalid duration: ${original}`);
    total += Number(match[1]) * (GO_UNITS[unit] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

function parseIso(text: string, original: string): number {
  const match = ISO_DURATION.exec(text);
  if (!match || text === "P" || /T$/i.test(text)) throw new Error(`invalid duration: ${original}`);
  const [, d, h, m, s] = match;
  return Math.round(
    Number(d ?? 0) * 86_400_000 +
      Number(h ?? 0) * 3_600_000 +
      Number(m ?? 0) * 60_000 +
      Number(s ?? 0) * 1_000,
  );
}

/** Formats milliseconds as a Go duration Dapr accepts ("1500ms", "2s", "1h0m5s" style not needed). */
export function formatDuration(ms: number): string {
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
