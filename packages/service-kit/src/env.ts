/**
 * A tiny env schema: each app's `config.ts` declares its settings once and parses `process.env` once at the
 * edge. Nothing else in the codebase reads the environment.
 */
export type EnvSource = Readonly<Record<string, string | undefined>>;

type Field<T> = { env: string; parse: (raw: string, name: string) => T; default?: T; secret?: boolean };
type Schema = Record<string, Field<unknown>>;
export type ConfigOf<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** A field has a default only when one is given; without it the variable is required. */
const withDefault = <T>(value: T | undefined) => (value === undefined ? {} : { default: value });

export const env = {
  string: (name: string, defaultValue?: string): Field<string> => ({
    env: name,
    parse: (v) => v,
    ...withDefault(defaultValue),
  }),
  optional: (name: string, options: { secret?: boolean } = {}): Field<string | undefined> => ({
    env: name,
    parse: (v) => (v === "" ? undefined : v),
    default: undefined,
    ...options,
  }),
  int: (name: string, defaultValue?: number, range: { min?: number; max?: number } = {}): Field<number> => ({
    env: name,
    ...withDefault(defaultValue),
    parse: (v, n) => {
      const x = Number(v);
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      if (!Number.isInteger(x) || x < min || x > max)
        throw new ConfigError(`${n} must be an integer in [${min}, ${max}], got "${v}"`);
      return x;
    },
  }),
  port: (name: string, defaultValue?: number): Field<number> =>
    env.int(name, defaultValue, { min: 0, max: 65535 }),
  bool: (name: string, defaultValue?: boolean): Field<boolean> => ({
    env: name,
    ...withDefault(defaultValue),
    parse: (v, n) => {
      if (/^(1|true|yes|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      throw new ConfigError(`${n} must be a boolean (true/false), got "${v}"`);
    },
  }),
  oneOf: <const T extends string>(name: string, values: readonly T[], defaultValue?: T): Field<T> => ({
    env: name,
    ...withDefault(defaultValue),
    parse: (v, n) => {
      if (!(values as readonly string[]).includes(v))
        throw new ConfigError(`${n} must be one of ${values.join(", ")}, got "${v}"`);
      return v as T;
    },
  }),
};

/** Parses `source` against `schema`; every problem is reported at once. */
export function parseEnv<S extends Schema>(schema: S, source: EnvSource): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, field] of Object.entries(schema)) {
    const raw = source[field.env];
    try {
      if (raw !== undefined && raw !== "") out[key] = field.parse(raw, field.env);
      else if ("default" in field) out[key] = field.default;
      else problems.push(`${field.env} is required`);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  return out as ConfigOf<S>;
}
