/** The README's table contract: every access pattern is a GetItem or a Query. No code in the repository may Scan. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "../..");
const SCAN_CALL = /\b(ScanCommand|ParallelScan|\.scan\(|"DynamoDB_20120810\.Scan")/;

test("no source file uses a DynamoDB Scan", () => {
  const sources = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.js", "*.mjs"], {
    cwd: root,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    // This test and the lint rule name the forbidden calls in order to ban them.
    .filter((file) => !["__tests__/unit/no-scan.test.ts", "eslint.config.mjs"].includes(file));
  expect(sources.length).toBeGreaterThan(20);
  const offenders = sources.filter((file) => SCAN_CALL.test(readFileSync(join(root, file), "utf8")));
  expect(offenders).toEqual([]);
});
