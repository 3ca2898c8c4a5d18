import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Global setup of every integration project: provides the pinned Dapr runtime before any test starts, so a
 * first build from the Go module proxy (minutes) happens once, outside every test and hook timeout.
 * Instant when the binaries are cached.
 */
export default function provideDaprRuntime(): void {
  const script = fileURLToPath(new URL("./dapr-runtime.sh", import.meta.url));
  execFileSync(script, { stdio: ["ignore", "ignore", "inherit"] });
}
