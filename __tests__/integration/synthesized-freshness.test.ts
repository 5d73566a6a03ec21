/**
 * `npm run synth:check` (CI) and `npm run synth:commit` on a copy of this checkout: the committed
 * synthesized/ is what Atlantis plans, so a hand edit or a forgotten synth:commit must fail CI.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyProject } from "./support/project-copy";

const root = join(__dirname, "../..");
let copy: string;
const npmRun = (script: string) => spawnSync("npm", ["run", "--silent", script], { cwd: copy, encoding: "utf8" });
const devStack = () => join(copy, "synthesized/dynamodb-dev/cdk.tf.json");

beforeAll(() => {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .trim()
    .split("\n")
    .filter((file) => existsSync(join(root, file)));
  copy = copyProject("synth-freshness-", files);
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

test("the committed stacks are what a fresh synth writes", () => {
  const run = npmRun("synth:check");
  expect(run.stdout).toBe("synthesized/ is up to date with a fresh synth\n");
  expect(run.status).toBe(0);
});

test("a hand-edited committed stack and a stray file fail the check; synth:commit makes it pass again", () => {
  writeFileSync(devStack(), readFileSync(devStack(), "utf8").replace('"opsdata_dev_api_keys"', '"opsdata_dev_api_keys_edited"'));
  writeFileSync(join(copy, "synthesized/dynamodb-dev/extra.tf"), "");
  const failed = npmRun("synth:check");
  expect(failed.status).toBe(1);
  expect(failed.stderr.split("\n")).toEqual([
    "synthesized/dynamodb-dev/extra.tf is not synth output (the directory holds only cdk.tf.json): delete it",
    "synthesized/dynamodb-dev/cdk.tf.json differs from a fresh synth: run npm run synth:commit and commit synthesized/",
    "",
  ]);

  expect(npmRun("synth:commit").status).toBe(0);
  expect(existsSync(join(copy, "synthesized/dynamodb-dev/extra.tf"))).toBe(false);
  expect(readFileSync(devStack(), "utf8")).toContain('"opsdata_dev_api_keys"');
  expect(npmRun("synth:check").status).toBe(0);
});

test("a committed stack that is missing is reported", () => {
  rmSync(join(copy, "synthesized/dynamodb-staging"), { recursive: true });
  const failed = npmRun("synth:check");
  expect(failed.stderr).toBe("synthesized/dynamodb-staging/cdk.tf.json is missing: run npm run synth:commit and commit synthesized/\n");
  expect(failed.status).toBe(1);
  expect(npmRun("synth:commit").status).toBe(0);
});
