import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "cdktf.out/", "dist/", "synthesized/", ".build/", "coverage/", "packages/*/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    // Type-aware: a promise nobody awaits (a DynamoDB call, a server start or stop) fails lint, not a test run.
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "zod", message: "Import z from config/zod.ts, which configures zod for this project." }],
          patterns: [{ group: ["zod/*"], message: "Import z from config/zod.ts, which configures zod for this project." }],
        },
      ],
    },
  },
  { files: ["config/zod.ts"], rules: { "no-restricted-imports": "off" } },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        __dirname: "readonly",
        __filename: "readonly",
        console: "readonly",
        Buffer: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Every access pattern is a GetItem or a Query (docs/tables.md).
      "no-restricted-syntax": [
        "error",
        {
          selector: "Identifier[name=/^(Scan|ParallelScan)(Command|Input)?$/]",
          message: "No Scan: serve the pattern with GetItem or Query (docs/tables.md, access patterns).",
        },
      ],
    },
  },
);
