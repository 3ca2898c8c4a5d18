import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { readFileSync } from "node:fs";

/** The monorepo root (this file lives in packages/devstack/src). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Dapr resources for local runs (Components, Resiliency, Subscription). */
export const COMPONENTS_DIR = join(REPO_ROOT, "components");

/** The Dapr Configuration for local runs (tracing, name resolution). Kept apart: it is not a resource. */
export const CONFIG_FILE = join(REPO_ROOT, "components", "config", "config.yaml");

/** The pinned Dapr release, written down once in the DAPR_VERSION file at the repo root. */
export function pinnedDaprVersion(root: string = REPO_ROOT): string {
  return readFileSync(join(root, "DAPR_VERSION"), "utf8").trim();
}
