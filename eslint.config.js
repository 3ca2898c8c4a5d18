import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/.turbo/**", "**/*.config.ts", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Actor methods and fastify plugins are async by contract even when a body needs no await.
      "@typescript-eslint/require-await": "off",
      "no-console": "error",
    },
  },
  {
    // The environment is read once, at the edge: libraries and app modules take settings (or the env itself)
    // as parameters, so a composition or a test decides what they see. Also catches `const { env } = process`
    // and `process["env"]`.
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message:
            "Read process.env only at the edge (an app's server.ts or instrumentation.ts, a bin, a test); pass the values or the env in as a parameter.",
        },
      ],
    },
  },
  {
    // The edge: process shells, OpenTelemetry bootstraps, command-line entry points, tests and benchmarks.
    files: [
      "apps/*/src/server.ts",
      "apps/*/src/instrumentation.ts",
      "packages/*/src/bin/**/*.ts",
      "**/test/**/*.ts",
      "**/bench/**/*.ts",
    ],
    rules: { "no-restricted-properties": "off" },
  },
  {
    // Tests read JSON response bodies field by field; typing every body would only restate the assertions.
    files: ["**/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-base-to-string": "off",
    },
  },
);
