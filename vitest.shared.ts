import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * One test layout for every workspace: `test/**\/*.test.ts` are unit tests (no external processes),
 * `test/**\/*.int.test.ts` are integration tests against the real Dapr runtime and Redis.
 */
export function workspaceTestConfig(root: string) {
  return defineConfig({
    root,
    resolve: { conditions: ["troupe-source"] },
    ssr: { resolve: { conditions: ["troupe-source"] } },
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: "unit",
            include: ["test/**/*.test.ts"],
            exclude: ["test/**/*.int.test.ts"],
            testTimeout: 15_000,
          },
        },
        {
          extends: true,
          test: {
            name: "integration",
            include: ["test/**/*.int.test.ts"],
            globalSetup: [fileURLToPath(new URL("./scripts/vitest-dapr-runtime.ts", import.meta.url))],
            fileParallelism: false,
            testTimeout: 120_000,
            hookTimeout: 300_000,
          },
        },
      ],
    },
  });
}
