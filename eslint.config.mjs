import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "cdktf.out/", "ci-cdktf.out/", ".build/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly", console: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Plan-time forbidden: the spec requires every access pattern to be a GetItem or a Query.
      "no-restricted-syntax": [
        "error",
        {
          selector: "Identifier[name=/^(Scan|ParallelScan)(Command|Input)?$/]",
          message: "No Scan: serve the pattern with GetItem or Query (spec/tables.md).",
        },
      ],
    },
  },
);
