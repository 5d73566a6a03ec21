/** Unit tests synthesize and assert on cdktf output; integration tests run real engines on loopback. */
// The project's TypeScript through swc; the big packages and config/zod.ts prebundled (the first pattern that matches
// a file applies; see __tests__/helpers/prebundle-transform.js).
const PREBUNDLED = "cdkt[fn]/lib/index\\.js$|@cdkt[fn]/provider-aws/lib/.+\\.js$";
const prebundle = "<rootDir>/__tests__/helpers/prebundle-transform.js";
const transform = {
  "/config/zod\\.ts$": prebundle,
  "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }],
  [`/node_modules/(${PREBUNDLED})`]: prebundle,
};
const transformIgnorePatterns = [`/node_modules/(?!(${PREBUNDLED}))`];

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default (cores - 1) leaves one of these machines' two cores idle.
  maxWorkers: 2,
  // One temporary directory per run, removed at the end (see __tests__/global-setup.js).
  globalSetup: "<rootDir>/__tests__/global-setup.js",
  globalTeardown: "<rootDir>/__tests__/global-teardown.js",
  // Integration files start real engines (DynamoDB Local, terraform + an S3 server) on free ports.
  testTimeout: 60_000,
  projects: [
    {
      displayName: "unit",
      testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
      testEnvironment: "node",
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: "integration",
      testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"],
      // One DynamoDB Local for every integration file (started only when integration tests run).
      globalSetup: "<rootDir>/__tests__/integration/support/global-setup.ts",
      globalTeardown: "<rootDir>/__tests__/integration/support/global-teardown.ts",
      // No setupFilesAfterEnv: integration files assert on engines, not with cdktf's matchers.
      testEnvironment: "node",
      transform,
      transformIgnorePatterns,
    },
  ],
};
