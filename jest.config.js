/** Unit tests synthesize and assert on cdktf output; integration tests run real engines on loopback. */
const transform = { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }] };

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default (cores - 1) leaves one of these machines' two cores idle.
  maxWorkers: 2,
  // Integration files start real engines (DynamoDB Local, terraform + an S3 server) on free ports.
  testTimeout: 60_000,
  projects: [
    {
      displayName: "unit",
      testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
      testEnvironment: "node",
      transform,
    },
    {
      displayName: "integration",
      testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
      testEnvironment: "node",
      transform,
    },
  ],
};
