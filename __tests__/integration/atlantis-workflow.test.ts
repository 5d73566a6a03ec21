/**
 * The Atlantis workflow (atlantis/repos.yaml) run the way Atlantis runs it, on a reused clone:
 * the pre-workflow hook in the clone root, each step in the project's dir with Atlantis's
 * environment variables (server/core/runtime/run_step_runner.go), and a new commit brought in as
 * server/events/working_dir.go does it (`git reset --hard`, then `git clean` of *.tfplan only, so
 * an earlier commit's ci-cdktf.out/ survives). `npm ci` is left out of the hook here: the clone
 * shares this checkout's node_modules.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { copyProject } from "./support/project-copy";

interface ServerConfig {
  repos: Array<{ pre_workflow_hooks: Array<{ run: string }> }>;
  workflows: Record<string, { plan: { steps: Array<string | { run: string }> }; apply: { steps: Array<string | { run: string }> } }>;
}

const root = join(__dirname, "../..");
const server = parseYaml(readFileSync(join(root, "atlantis/repos.yaml"), "utf8")) as ServerConfig;
const runSteps = (steps: Array<string | { run: string }>) => steps.flatMap((step) => (typeof step === "string" ? [] : [step.run]));
const [synthStep] = runSteps(server.workflows["opsdata-cdktf"].plan.steps);
const [checkStep] = runSteps(server.workflows["opsdata-cdktf"].apply.steps);
const hook = server.repos[0].pre_workflow_hooks[0].run;
const NPM_CI = "npm ci --omit=dev --no-audit --no-fund && ";

let clone: string;
const git = (...args: string[]) => execFileSync("git", args, { cwd: clone, encoding: "utf8" }).trim();
const commit = (message: string) => {
  git("add", "-A");
  git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", message);
  return git("rev-parse", "HEAD");
};
/** What Atlantis does to a reused clone for a new head commit (branch checkout strategy). */
const atlantisUpdateTo = (sha: string) => {
  git("reset", "--hard", sha);
  git("clean", "-f", "-x", "-e", ".terragrunt-cache", "--", ":(glob)**/*.tfplan");
};
const atlantisEnv = (extra: Record<string, string>) => ({
  ...process.env,
  BASE_BRANCH_NAME: "main",
  HEAD_COMMIT: git("rev-parse", "HEAD"),
  PULL_NUM: "7",
  USER_NAME: "reviewer",
  ...extra,
});
const runHook = () =>
  spawnSync("sh", ["-c", hook.replace(NPM_CI, "")], {
    cwd: clone,
    encoding: "utf8",
    env: atlantisEnv({ DIR: clone, COMMAND_NAME: "plan" }),
  });
/** A run step of project `name`, in its dir, with the variables Atlantis sets. */
const runStep = (name: string, command: string) => {
  const relative = `ci-cdktf.out/stacks/${name}`;
  const dir = join(clone, relative);
  return spawnSync("sh", ["-c", command], {
    cwd: dir,
    encoding: "utf8",
    env: atlantisEnv({
      DIR: dir,
      REPO_REL_DIR: relative,
      PROJECT_NAME: name,
      WORKSPACE: "default",
      PLANFILE: join(dir, `${name}-default.tfplan`),
      SHOWFILE: join(dir, `${name}-default.json`),
    }),
  });
};
const prodDir = () => join(clone, "ci-cdktf.out/stacks/dynamodb-prod");

beforeAll(() => {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .trim()
    .split("\n")
    .filter((file) => existsSync(join(root, file)));
  // This checkout's cached bundles come along (.build/ is not in git, as on an Atlantis server, where
  // the first synth builds them): run-ts.js then only rebuilds a bundle whose sources a test
  // changes, which keeps this file to the builds it is about.
  clone = copyProject("atlantis-clone-", files);
  git("init", "-q", "-b", "main");
  commit("A");
});
afterAll(() => rmSync(clone, { recursive: true, force: true }));

describe("the Atlantis workflow on a reused clone", () => {
  let commitA: string;

  test("the hook's command is npm ci --omit=dev, then the project directories", () => {
    expect(hook.startsWith(NPM_CI)).toBe(true);
    expect(runHook().status).toBe(0);
    expect(
      ["dynamodb-dev", "dynamodb-staging", "dynamodb-prod"].map((name) => existsSync(join(clone, "ci-cdktf.out/stacks", name))),
    ).toEqual([true, true, true]);
  });

  test("the plan's synth step writes this project's stack, stamped with the commit", () => {
    commitA = git("rev-parse", "HEAD");
    const result = runStep("dynamodb-prod", synthStep);
    expect(result.stdout.trim()).toBe(`synthesized dynamodb-prod from commit ${commitA}`);
    expect(result.status).toBe(0);
    const stack = JSON.parse(readFileSync(join(prodDir(), "cdk.tf.json"), "utf8")) as {
      resource: Record<string, Record<string, { name?: string }>>;
    };
    expect(stack.resource.aws_dynamodb_table.audit_logs.name).toBe("opsdata_prod_audit_logs");
    expect(readFileSync(join(prodDir(), ".synthesized-from"), "utf8")).toBe(`${commitA}\n`);
  });

  test("the apply's check step passes for the commit that was planned", () => {
    const result = runStep("dynamodb-prod", checkStep);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`dynamodb-prod: synthesized from ${commitA}, the commit being applied`);
  });

  test("a newer commit without a new plan cannot be applied", () => {
    writeFileSync(join(clone, "NOTES.md"), "unrelated change\n");
    const commitB = commit("B");
    atlantisUpdateTo(commitB);
    const result = runStep("dynamodb-prod", checkStep);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `dynamodb-prod was synthesized from commit ${commitA}, but the clone is at ${commitB}: run atlantis plan again`,
    );
  });

  test("a newer commit whose synth fails: the earlier commit's output survives Atlantis's reset, and the plan deletes it and fails with the message", () => {
    writeFileSync(join(prodDir(), "dynamodb-prod-default.tfplan"), "a plan of commit A");
    const environments = join(clone, "config/environments.ts");
    writeFileSync(environments, readFileSync(environments, "utf8").replace("recoveryPeriodInDays: 35", "recoveryPeriodInDays: 99"));
    atlantisUpdateTo(commit("C: prod PITR window out of range"));
    // What Atlantis leaves behind: the stale stack, not the plan file.
    expect([existsSync(join(prodDir(), "cdk.tf.json")), existsSync(join(prodDir(), "dynamodb-prod-default.tfplan"))]).toEqual([
      true,
      false,
    ]);

    expect(runHook().status).toBe(0);
    const result = runStep("dynamodb-prod", synthStep);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("prod.protection.pointInTimeRecovery.recoveryPeriodInDays");
    expect(existsSync(join(prodDir(), "cdk.tf.json"))).toBe(false);
    expect(runStep("dynamodb-prod", checkStep).stderr.trim()).toBe(
      `dynamodb-prod was not synthesized by the plan workflow, but the clone is at ${git("rev-parse", "HEAD")}: run atlantis plan again`,
    );
  });
});
