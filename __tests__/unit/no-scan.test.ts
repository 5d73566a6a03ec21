/** The table contract (docs/tables.md): every pattern is a GetItem, a Query or a conditional write. No code in the repository may Scan. */
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

test("the access library sends only GetItem, Query and (conditional) Put/Update/Delete commands", () => {
  const library = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "access-patterns/*.ts"], {
    cwd: root,
    encoding: "utf8",
  })
    .trim()
    .split("\n");
  const sent = new Set(
    library.flatMap((file) => [...readFileSync(join(root, file), "utf8").matchAll(/new (\w+Command)\(/g)].map((m) => m[1])),
  );
  expect([...sent].sort()).toEqual(["DeleteCommand", "GetCommand", "PutCommand", "QueryCommand", "UpdateCommand"]);
});

test("every write in the access library goes through Context.conditional (a ConditionExpression, typed refusals)", () => {
  const writers = execFileSync("git", ["grep", "-l", "-E", "new (Put|Update|Delete)Command\\(", "--", "access-patterns"], {
    cwd: root,
    encoding: "utf8",
  })
    .trim()
    .split("\n");
  expect(writers).toEqual(["access-patterns/context.ts"]);
  const context = readFileSync(join(root, "access-patterns/context.ts"), "utf8");
  const conditional = context.slice(context.indexOf("async conditional<T>("), context.indexOf("async queryPage<T>("));
  expect(conditional.match(/new (Put|Update|Delete)Command\(/g)).toHaveLength(3);
  expect(context.match(/new (Put|Update|Delete)Command\(/g)).toHaveLength(3);
});
