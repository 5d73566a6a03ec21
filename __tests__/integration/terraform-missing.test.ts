/**
 * Without terraform on PATH the state tests fail with a clear message in CI and are skipped with a
 * warning locally. Runs the real state-test file in a child jest whose PATH has only node.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TERRAFORM_MISSING } from "./support/terraform";

const root = join(__dirname, "../..");
const onlyNode = mkdtempSync(join(tmpdir(), "path-without-terraform-"));
symlinkSync(process.execPath, join(onlyNode, "node"));
afterAll(() => rmSync(onlyNode, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stderr: string;
  results: string;
}

/** The state tests in a child jest whose PATH has only node (with CI set or not). */
function runStateTests(ci: boolean): Promise<Run> {
  const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: onlyNode, CHECKPOINT_DISABLE: "1" };
  if (ci) env.CI = "true";
  const results = join(onlyNode, `results-${ci ? "ci" : "local"}.json`);
  const child = spawn(
    process.execPath,
    [join(root, "node_modules/jest/bin/jest.js"), "__tests__/integration/terraform-state.test.ts", "--json", `--outputFile=${results}`],
    { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, stderr, results })));
}

// Both child runs at once: each is mostly jest starting up.
let inCi: Run;
let locally: Run;
beforeAll(async () => {
  [inCi, locally] = await Promise.all([runStateTests(true), runStateTests(false)]);
});

test("in CI: the suite fails, saying terraform is missing and what to install", () => {
  expect(inCi.status).not.toBe(0);
  expect(inCi.stderr).toContain(TERRAFORM_MISSING);
});

test("locally: the suite is skipped with a warning", () => {
  expect(locally.status).toBe(0);
  // With --json, jest prints the suite's console output on stderr.
  expect(locally.stderr).toContain(`skipping "terraform state shared with HCL teams": ${TERRAFORM_MISSING}`);
  const { numTotalTests, numPendingTests, numPassedTests, numFailedTests } = JSON.parse(readFileSync(locally.results, "utf8"));
  expect(numTotalTests).toBeGreaterThan(0);
  expect({ skipped: numPendingTests, passed: numPassedTests, failed: numFailedTests }).toEqual({
    skipped: numTotalTests,
    passed: 0,
    failed: 0,
  });
});
