import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The committed Dapr files in components/ carry the fixed local values of `npm run stack` and stay valid
 * YAML (the Helm chart can reuse them). For a run on other ports the launcher renders copies into a temp
 * dir, replacing exactly these values:
 *   - the Redis address `127.0.0.1:6379` (in any resource),
 *   - the name-resolution `template:` line and the zipkin `endpointAddress:` / `samplingRate:` lines of the
 *     Configuration.
 * Rendering the committed files with the fixed plan reproduces them byte for byte (a unit test checks it).
 */
export const FIXED_REDIS_ADDRESS = "127.0.0.1:6379";

/** Go template for the `kubernetes` name resolver: app-id → 127.0.0.1:<internal gRPC port>. */
export function nameResolutionTemplate(internalPorts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(internalPorts);
  if (entries.length === 0) return "127.0.0.1:1";
  const branches = entries
    .map(([id, port], i) => `{{${i === 0 ? "if" : "else if"} eq .ID "${id}"}}127.0.0.1:${port}`)
    .join("");
  return `${branches}{{else}}127.0.0.1:1{{end}}`;
}

export interface ConfigRender {
  /** app-id → daprd internal gRPC port. */
  internalPorts: Readonly<Record<string, number>>;
  /** Zipkin endpoint for spans, or null to turn sampling off (tests without a collector). */
  zipkinEndpoint: string | null;
}

/** Renders the Configuration text; throws if an expected line is missing (so drift is caught, not ignored). */
export function renderConfiguration(text: string, opts: ConfigRender): string {
  const template = nameResolutionTemplate(opts.internalPorts);
  let out = replaceLine(text, /^(\s*template:\s*).*$/m, (indent) => `${indent}'${template}'`, "template:");
  out = replaceLine(
    out,
    /^(\s*endpointAddress:\s*).*$/m,
    (indent) => `${indent}"${opts.zipkinEndpoint ?? "http://127.0.0.1:9411/api/v2/spans"}"`,
    "endpointAddress:",
  );
  out = replaceLine(
    out,
    /^(\s*samplingRate:\s*).*$/m,
    (indent) => `${indent}"${opts.zipkinEndpoint === null ? "0" : "1"}"`,
    "samplingRate:",
  );
  return out;
}

/** Replaces the fixed Redis address in a resource. */
export function renderResource(text: string, redisAddress: string): string {
  return text.split(FIXED_REDIS_ADDRESS).join(redisAddress);
}

function replaceLine(text: string, re: RegExp, make: (prefix: string) => string, what: string): string {
  const m = re.exec(text);
  if (m === null) throw new Error(`Dapr Configuration has no "${what}" line to render`);
  const replacement = make(m[1] ?? "");
  return text.replace(re, () => replacement);
}

/** Copies every *.yaml/*.yml of `srcDir` (not recursive) into `outDir`, rendered for `redisAddress`. */
export async function renderResourcesDir(
  srcDir: string,
  outDir: string,
  redisAddress: string,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const names = (await readdir(srcDir, { withFileTypes: true }))
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort();
  for (const name of names) {
    const text = await readFile(join(srcDir, name), "utf8");
    await writeFile(join(outDir, name), renderResource(text, redisAddress));
  }
  return names;
}

/** Renders the Configuration file `src` into `outFile`. */
export async function renderConfigFile(src: string, outFile: string, opts: ConfigRender): Promise<void> {
  await writeFile(outFile, renderConfiguration(await readFile(src, "utf8"), opts));
}
