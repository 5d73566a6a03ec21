/**
 * Every recipe of docs/recipes.md, applied as written to a scratch copy of the repository: its
 * `diff` blocks with `git apply --recount`, its `sh` blocks with bash, in order (`console` blocks
 * talk to AWS and are left out). Synth, the cost estimate and the unit suite (a subset for all but
 * the GSI recipe) run in the copy after each `sh` block that updates the snapshots (it ends a change
 * to review and deploy), so a recipe that stops applying or leaves the project red fails here. The
 * copy holds the tracked files and a link to this checkout's node_modules (nothing writes there);
 * nothing is written into the checkout.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = join(__dirname, "../..");
const RECIPES_FILE = "docs/recipes.md";

interface Block {
  readonly language: "diff" | "sh";
  readonly text: string;
  /** 1-based line of the opening fence in docs/recipes.md, for messages. */
  readonly line: number;
}

/** The runnable blocks of each `## ` section, by heading. A fenced block may be indented under a list item. */
export function recipesOf(markdown: string): Map<string, Block[]> {
  const recipes = new Map<string, Block[]>();
  const lines = markdown.split("\n");
  let current: Block[] | undefined;
  for (let index = 0; index < lines.length; index++) {
    const heading = /^## (.+)$/.exec(lines[index]);
    if (heading) recipes.set(heading[1], (current = []));
    const fence = /^( *)```(\w*)$/.exec(lines[index]);
    if (!fence) continue;
    const [, indent, language] = fence;
    const start = index;
    const body: string[] = [];
    while (++index < lines.length && lines[index].trimEnd() !== `${indent}\`\`\``) body.push(lines[index].slice(indent.length));
    if ((language === "diff" || language === "sh") && current) current.push({ language, text: `${body.join("\n")}\n`, line: start + 1 });
  }
  return recipes;
}

/** What each recipe is checked with, beyond synth and cost. */
interface Check {
  /** Unit test files to run after the recipe (all of them when absent: the GSI recipe, the change people make most). */
  readonly unitTests?: string[];
  /** Files the whole recipe may change, relative to the copy. */
  readonly changes: string[];
}

/** The committed synthesized/ JSON of these stacks: the reviewed output `npm run test:update` rewrites. */
const synthesized = (...stacks: string[]) => stacks.map((stack) => `synthesized/${stack}/cdk.tf.json`);
// The stack's shape, the schema guard on the real lock, the contract and the per-table rules: what a config change can break.
const CONFIG_TESTS = [
  "__tests__/unit/stack-snapshots.test.ts",
  "__tests__/unit/table-rules.test.ts",
  "__tests__/unit/schema-lock.test.ts",
  "__tests__/unit/contract.test.ts",
  "__tests__/unit/stack.test.ts",
  "__tests__/unit/tables.test.ts",
  "__tests__/unit/autoscaling.test.ts",
  "__tests__/unit/protection.test.ts",
];

const CHECKS: Record<string, Check> = {
  "Add a global secondary index": {
    changes: [
      "docs/cost.md",
      "schema.lock.json",
      "tables/webhook-events.ts",
      ...synthesized("dynamodb-dev", "dynamodb-staging", "dynamodb-prod"),
    ],
  },
  "Add an environment": {
    unitTests: [
      ...CONFIG_TESTS,
      "__tests__/unit/atlantis.test.ts",
      "__tests__/unit/config-reference.test.ts",
      "__tests__/unit/cost-readme.test.ts",
    ],
    changes: [
      "atlantis.yaml",
      "config/environment-bounds.ts",
      "config/environments.ts",
      "cost/usage/qa.json",
      "docs/cost.md",
      "docs/environments.md",
      "schema.lock.json",
      ...synthesized("dynamodb-qa", "atlantis-roles-qa"),
    ],
  },
  "Change capacity or billing mode": {
    unitTests: CONFIG_TESTS,
    changes: [
      "__tests__/fixtures/public-contract.json",
      "config/environments.ts",
      "docs/cost.md",
      "schema.lock.json",
      ...synthesized("dynamodb-dev", "dynamodb-staging", "dynamodb-prod"),
    ],
  },
  // The follow-up change removes adoptExisting again: nothing is left changed.
  "Adopt an existing table": { unitTests: [...CONFIG_TESTS, "__tests__/unit/adoption-and-bootstrap.test.ts"], changes: [] },
  "Rotate the break-glass role": {
    unitTests: [...CONFIG_TESTS, "__tests__/unit/policy.test.ts"],
    changes: ["config/environments.ts", ...synthesized("dynamodb-prod")],
  },
};

const recipes = recipesOf(readFileSync(join(root, RECIPES_FILE), "utf8"));

/**
 * The environment the copy's commands run in: this run's temporary directory (so the copy's jest
 * caches its transforms there, shared by the recipes), none of this jest run's own settings.
 */
function childEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  for (const name of ["OPSDATA_TESTS_TMPDIR", "OPSDATA_TESTS_PARENT_TMPDIR", "CDKTF_OUTDIR", "JEST_WORKER_ID"]) delete env[name];
  return env;
}

function run(scratch: string, what: string, command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: scratch, env: childEnvironment(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
}

/** A git repository holding the checkout's tracked files (as they are on disk), and node_modules linked. */
function scratchCopy(): string {
  const parent = mkdtempSync(join(tmpdir(), "recipe-"));
  const scratch = join(parent, "repo");
  mkdirSync(join(parent, "tmp"));
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of tracked) {
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    cpSync(join(root, file), join(scratch, file));
  }
  symlinkSync(realpathSync(join(root, "node_modules")), join(scratch, "node_modules"), "dir");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=recipe", "-c", "user.email=recipe@test", ...args], { cwd: scratch });
  git("init", "-q");
  // node_modules and what synth and the tests write stay out of the diffs the recipe is checked by.
  writeFileSync(join(scratch, ".git", "info", "exclude"), "node_modules\n.build/\ncdktf.out/\n");
  git("add", "-A");
  git("commit", "-qm", "before the recipe");
  return scratch;
}

test("every recipe in docs/recipes.md is checked here, and every check has its recipe", () => {
  expect([...recipes.keys()].sort()).toEqual(Object.keys(CHECKS).sort());
  for (const [name, blocks] of recipes) expect([name, blocks.length > 0]).toEqual([name, true]);
});

describe.each(Object.entries(CHECKS))("%s", (name, check) => {
  let scratch: string;
  beforeAll(() => {
    scratch = scratchCopy();
  });
  afterAll(() => rmSync(join(scratch, ".."), { recursive: true, force: true }));

  /** Synth, cost and the unit tests, in the state the recipe has reached (each one a pull request). */
  function verify(after: string): void {
    run(scratch, `npm run synth (${after})`, "npm", ["run", "synth"]);
    run(scratch, `npm run cost (${after})`, "npm", ["run", "cost"]);
    // The files first: jest's array options (--selectProjects) take every argument after them.
    run(scratch, `the unit tests (${after})`, process.execPath, [
      "node_modules/jest/bin/jest.js",
      ...(check.unitTests ?? []),
      "--ci",
      "--maxWorkers=2",
      "--selectProjects=unit",
    ]);
  }

  test(
    "applies as written; every state it reaches passes synth, cost and the unit tests; it changes only the expected files",
    () => {
      for (const block of recipes.get(name) ?? []) {
        const where = `${RECIPES_FILE}:${block.line} (${name})`;
        if (block.language === "diff") {
          const patch = join(scratch, "..", "tmp", "recipe.patch");
          writeFileSync(patch, block.text);
          run(scratch, `git apply of the diff at ${where}`, "git", ["apply", "--recount", "--whitespace=nowarn", patch]);
        } else {
          run(scratch, `the commands at ${where}`, "bash", ["-euo", "pipefail", "-c", block.text]);
          // A block that updates the snapshots ends a change: what would be reviewed and deployed.
          if (block.text.includes("npm run test:update")) verify(`after ${where}`);
        }
      }

      const changed = execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: scratch, encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((line) => line.slice(3))
        .sort();
      expect(changed).toEqual([...check.changes].sort());
    },
    15 * 60_000,
  );
});
