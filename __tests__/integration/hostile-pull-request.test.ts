/**
 * A hostile pull request against the Atlantis path. The trusted guard is built from the base commit
 * (this checkout's HEAD, exported with `git archive` into a temporary directory) and installed alone
 * in another directory, as atlantis/Dockerfile installs it. Each tampering is applied to a fresh
 * export of the same commit (the pull request's clone); then the server's own steps
 * (atlantis/server.yaml, the guard's path swapped for the installed one) run in that clone the way
 * Atlantis runs them: the shell, in the project dir, with $SHOWFILE and $PROJECT_NAME
 * (server/core/runtime/run_step_runner.go). The destructive plan fixture must still be refused:
 * Atlantis's verdict on the policy check output (project_command_runner.go doPolicyCheck, ported in
 * `atlantisPolicySetPassed`) is a failure that only a policy owner can approve, and the deleted
 * table's address is in what the pull request shows.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { serverProblems, type AtlantisConfig, type ServerConfig } from "../helpers/atlantis-rules";
import { joinedLines, unwrappedLines } from "../helpers/output-width";

const root = join(__dirname, "../..");
const DESTRUCTIVE_PLAN = join(root, "__tests__/fixtures/plans/aws-prod-delete-audit-logs.plan.json");
const DELETED_TABLE = "aws_dynamodb_table.audit_logs";
const PROJECT = "dynamodb-prod";
const INSTALLED_PATH = "/opt/opsdata/opsdata-guard.js";

/** Atlantis v0.47.1's verdict on a custom policy check's output (doPolicyCheck): passed unless it reports a failure. */
function atlantisPolicySetPassed(output: string): boolean {
  if (output === "") return false;
  return !/([1-9][0-9]* failure|failures": \[)/.test(output) && !output.trim().startsWith("FAIL");
}

let work: string;
let guard: string;
let baseCommit: string;
const server = parseYaml(readFileSync(join(root, "atlantis/server.yaml"), "utf8")) as ServerConfig;
const stepCommand = (stage: string, index: number) => {
  const step = server.workflows.opsdata[stage].steps[index] as { run: string };
  return step.run.replace(INSTALLED_PATH, guard);
};
const POLICY_CHECK = () => stepCommand("policy_check", 2);
const CONFIG_CHECK = () => stepCommand("plan", 0);

/** A fresh export of the base commit: the pull request's clone before its changes. */
function exportBase(prefix: string): string {
  const directory = mkdtempSync(join(work, prefix));
  const archive = join(work, `${prefix}.tar`);
  execFileSync("git", ["archive", "--format=tar", "-o", archive, baseCommit], { cwd: root });
  execFileSync("tar", ["-xf", archive, "-C", directory]);
  rmSync(archive);
  return directory;
}

/** A server step, as Atlantis runs it in the project's dir (the server's environment, none of the pull request's). */
function runStep(clone: string, command: string) {
  const dir = join(clone, "synthesized", PROJECT);
  const showfile = join(dir, `${PROJECT}-default.json`);
  // What the show step wrote: terraform show -json of the plan (here, the destructive fixture).
  cpSync(DESTRUCTIVE_PLAN, showfile);
  const environment = { ...process.env };
  delete environment.NODE_OPTIONS;
  return spawnSync("sh", ["-c", command], {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...environment,
      DIR: dir,
      PROJECT_NAME: PROJECT,
      WORKSPACE: "default",
      SHOWFILE: showfile,
      PLANFILE: join(dir, `${PROJECT}-default.tfplan`),
    },
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "hostile-pr-"));
  baseCommit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  const base = exportBase("base-");
  symlinkSync(join(root, "node_modules"), join(base, "node_modules"), "dir");
  const installed = mkdtempSync(join(work, "installed-"));
  guard = join(installed, "opsdata-guard.js");
  execFileSync("node", [join(base, "scripts/build-guard.js"), "--out", guard, "--commit", baseCommit], { cwd: base, encoding: "utf8" });
  rmSync(base, { recursive: true, force: true });
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the trusted guard file", () => {
  test("is one file outside the repository, runs without node_modules and names its version and commit", () => {
    expect(readdirSync(join(guard, ".."))).toEqual(["opsdata-guard.js"]);
    const run = spawnSync("node", [guard, "version"], { cwd: tmpdir(), encoding: "utf8" });
    expect(run.stdout.trim()).toBe(`opsdata-guard 0.1.0+${baseCommit}`);
  });

  test("refuses the destructive plan fixture (exit 1, the address), and passes the no-change plan", () => {
    const refused = spawnSync("node", [guard, "plan", DESTRUCTIVE_PLAN, "--project", PROJECT], { cwd: tmpdir(), encoding: "utf8" });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`- ${DELETED_TABLE} destroyed [delete]\n  the DynamoDB table opsdata_prod_audit_logs: deletes it`);
    const noChanges = join(root, "__tests__/fixtures/plans/aws-prod-no-changes.plan.json");
    const passed = spawnSync("node", [guard, "plan", noChanges, "--project", PROJECT, "--policy-check"], {
      cwd: tmpdir(),
      encoding: "utf8",
    });
    expect(passed.status).toBe(0);
    expect(atlantisPolicySetPassed(passed.stdout)).toBe(true);
  });

  test("an unreadable plan is an error of the policy check (exit 2), which Atlantis does not let anyone approve", () => {
    const run = spawnSync("node", [guard, "plan", join(work, "missing.json"), "--project", PROJECT, "--policy-check"], {
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("plan guard: cannot check:");
  });

  test("a project that is not an environment is refused by every command", () => {
    const run = spawnSync("node", [guard, "profile", "apply", "--project", "dynamodb-evil"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(joinedLines(run.stderr)).toContain("project dynamodb-evil is not an environment of opsdata-guard");
  });

  test("the server's AWS config: the plan and apply roles of each account, with its external id (config/environments.ts)", () => {
    const run = spawnSync("node", [guard, "aws-config", "--credential-source", "EcsContainer"], { encoding: "utf8" });
    expect(run.stdout).toContain(
      [
        "[profile opsdata-prod-plan]",
        "role_arn = arn:aws:iam::333333333333:role/opsdata-atlantis-plan",
        "external_id = opsdata-atlantis-prod",
        "credential_source = EcsContainer",
        "role_session_name = atlantis-prod-plan",
        "region = eu-west-1",
        "[profile opsdata-prod-apply]",
        "role_arn = arn:aws:iam::333333333333:role/opsdata-atlantis-apply",
      ].join("\n"),
    );
  });
});

/** Each route by which a pull request could switch the guard off, applied to its clone. */
const TAMPERINGS: Record<string, (clone: string) => void> = {
  ".npmrc node-options loading a script that exits 0": (clone) => {
    writeFileSync(join(clone, ".npmrc"), "node-options=--require=./examples/pass.js\n");
    writeFileSync(join(clone, "examples/pass.js"), "process.exit(0);\n");
  },
  "a committed .build/ bundle of the plan guard": (clone) => {
    mkdirSync(join(clone, ".build/project"), { recursive: true });
    writeFileSync(join(clone, ".build/project/scripts__plan-guard.ts.js"), "process.exit(0);\n");
    writeFileSync(join(clone, ".build/project/scripts__plan-guard.ts.json"), JSON.stringify({ inputs: {} }));
  },
  "an edited guards/plan-guard.ts that finds nothing": (clone) => {
    const file = join(clone, "guards/plan-guard.ts");
    const source = readFileSync(file, "utf8").replace("export function guardPlan(", "function guardPlanAsReviewed(");
    writeFileSync(
      file,
      `${source}\nexport function guardPlan(plan: TerraformPlan, options: GuardOptions = {}): PlanGuardResult {\n` +
        "  return { ...guardPlanAsReviewed(plan, options), findings: [] };\n}\n",
    );
  },
  "edited overrides waiving the table's deletion": (clone) => {
    writeFileSync(
      join(clone, "guards/plan-guard-overrides.json"),
      JSON.stringify(
        [
          ["destroyed", "delete"],
          ["denied-by-resource-policy", "dynamodb:DeleteTable"],
        ].map(([finding, detail]) => ({
          environment: { account: "333333333333", tableNamePrefix: "opsdata_prod_" },
          address: DELETED_TABLE,
          finding,
          detail,
          reason: "trust me",
          expires: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
        })),
        null,
        2,
      ),
    );
  },
  "edited package.json scripts": (clone) => {
    const file = join(clone, "package.json");
    const manifest = JSON.parse(readFileSync(file, "utf8"));
    manifest.scripts["plan:guard"] = "exit 0";
    manifest.scripts["build:guard"] = "echo 'process.exit(0)' > dist/opsdata-guard.js";
    writeFileSync(file, JSON.stringify(manifest, null, 2));
  },
  "a root postinstall": (clone) => {
    const file = join(clone, "package.json");
    const manifest = JSON.parse(readFileSync(file, "utf8"));
    manifest.scripts.postinstall = `node -e "require('fs').writeFileSync('${join(clone, "postinstall-ran")}', '')"`;
    writeFileSync(file, JSON.stringify(manifest, null, 2));
  },
  "a step after the guard rewriting the plan file (a repo-level workflow)": (clone) => {
    const file = join(clone, "atlantis.yaml");
    writeFileSync(
      file,
      `${readFileSync(file, "utf8")}workflows:\n  opsdata:\n    policy_check:\n      steps: [show, {run: node ../../cost/rewrite.js "$PLANFILE"}]\n`,
    );
  },
};

/** The routes the config check itself refuses (it reads the pull request's atlantis.yaml). */
const CONFIG_CHECK_REFUSES: Record<string, string> = {
  "a step after the guard rewriting the plan file (a repo-level workflow)":
    "- atlantis.yaml: workflows is not allowed (only version, automerge, parallel_plan, parallel_apply, projects)",
};

describe.each(Object.entries(TAMPERINGS))("a pull request with %s", (route, tamper) => {
  let clone: string;
  beforeAll(() => {
    clone = exportBase("pr-");
    tamper(clone);
  });

  test("the trusted policy check still refuses the destructive plan, as a failure only a policy owner can approve", () => {
    const run = runStep(clone, POLICY_CHECK());
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe(`FAIL - ${PROJECT}: the plan guard refuses this plan (opsdata-guard 0.1.0+${baseCommit})`);
    expect(run.stdout).toContain(`- ${DELETED_TABLE} destroyed [delete]\n  the DynamoDB table opsdata_prod_audit_logs: deletes it`);
    expect(run.stdout).not.toContain("plan-guard-overrides.json"); // the server reads no overrides: no advice to add one
    expect(unwrappedLines(run.stdout)).toEqual([]);
    expect(run.stdout.endsWith("\n1 failure\n")).toBe(true);
    expect(atlantisPolicySetPassed(run.stdout)).toBe(false);
    expect(existsSync(join(clone, "postinstall-ran"))).toBe(false);
  });

  test("the config check passes the untouched stack (the refusal is the guard's, not a broken setup), or refuses an edited atlantis.yaml", () => {
    const run = runStep(clone, CONFIG_CHECK());
    if (route in CONFIG_CHECK_REFUSES) {
      expect(run.stdout).toContain(CONFIG_CHECK_REFUSES[route]);
      expect(run.status).toBe(1);
    } else {
      expect(run.stdout).toContain(`config check: OK (opsdata-guard 0.1.0+${baseCommit}): ${PROJECT} uses only hashicorp/aws`);
      expect(run.status).toBe(0);
    }
  });
});

test(".npmrc node-options and an edited guard are real bypasses: in the pull request's own checkout, npm run plan:guard passes the plan", () => {
  const clone = exportBase("untrusted-");
  symlinkSync(join(root, "node_modules"), join(clone, "node_modules"), "dir");
  TAMPERINGS[".npmrc node-options loading a script that exits 0"](clone);
  TAMPERINGS["an edited guards/plan-guard.ts that finds nothing"](clone);
  const run = spawnSync("npm", ["run", "--silent", "plan:guard", "--", DESTRUCTIVE_PLAN, "--stack", PROJECT], {
    cwd: clone,
    encoding: "utf8",
  });
  expect(run.status).toBe(0);
});

test("the edited overrides are a valid waiver: the same guard passes the plan when a reviewed server-side file is given", () => {
  const clone = exportBase("overrides-");
  TAMPERINGS["edited overrides waiving the table's deletion"](clone);
  const run = spawnSync(
    "node",
    [guard, "plan", DESTRUCTIVE_PLAN, "--project", PROJECT, "--overrides", join(clone, "guards/plan-guard-overrides.json")],
    {
      encoding: "utf8",
    },
  );
  expect(joinedLines(run.stdout)).toContain(`: ${DELETED_TABLE} destroyed [delete]: the DynamoDB table opsdata_prod_audit_logs`);
  expect(run.stdout).toMatch(/^overridden until \d{4}-\d{2}-\d{2}: aws_dynamodb_table\.audit_logs destroyed \[delete\]/m);
  expect(run.status).toBe(0);
});

test("the repo-level workflow with a step after the guard is refused by Atlantis before anything runs", () => {
  const clone = exportBase("workflow-");
  TAMPERINGS["a step after the guard rewriting the plan file (a repo-level workflow)"](clone);
  const atlantis = parseYaml(readFileSync(join(clone, "atlantis.yaml"), "utf8")) as AtlantisConfig;
  expect(serverProblems(atlantis, server)).toEqual([
    "repo config not allowed to define custom workflows: server-side config needs 'allow_custom_workflows: true'",
  ]);
});

test("a pull request adding an external data source to the prod stack is refused before terraform init", () => {
  const clone = exportBase("config-");
  const file = join(clone, "synthesized", PROJECT, "cdk.tf.json");
  const stack = JSON.parse(readFileSync(file, "utf8"));
  stack.data = { external: { leak: { program: ["sh", "-c", "env"] } } };
  writeFileSync(file, JSON.stringify(stack));
  writeFileSync(join(clone, "synthesized", PROJECT, "extra.tf"), 'provider "null" {}\n');
  const run = runStep(clone, CONFIG_CHECK());
  expect(run.status).toBe(1);
  expect(run.stdout.split("\n")).toEqual([
    `config check: REFUSED (opsdata-guard 0.1.0+${baseCommit}): 2 problem(s)`,
    `- ${PROJECT}/extra.tf: the project directory holds only cdk.tf.json (terraform loads every *.tf and *.tfvars file,`,
    "  and Atlantis passes env/<workspace>.tfvars); delete extra.tf",
    `- ${PROJECT}/cdk.tf.json: data.external.leak: the external data source runs a program on the Atlantis server; remove`,
    "  it",
    "",
  ]);
});

describe("the installed config check, on a pull request's clone", () => {
  const REFUSED = () => `config check: REFUSED (opsdata-guard 0.1.0+${baseCommit})`;
  const projectDir = (clone: string) => join(clone, "synthesized", PROJECT);

  test("a second `resource` key hiding a provisioner (JSON.parse would keep only the last) is an error naming the key, exit 2", () => {
    const clone = exportBase("dup-");
    const file = join(projectDir(clone), "cdk.tf.json");
    const text = readFileSync(file, "utf8").trimEnd();
    const hidden = JSON.stringify({ aws_sns_topic: { x: { name: "x", provisioner: [{ "local-exec": { command: "env" } }] } } });
    writeFileSync(file, `${text.slice(0, -1)},\n"resource": ${hidden}\n}\n`);
    expect(() => JSON.parse(readFileSync(file, "utf8"))).not.toThrow();
    const run = runStep(clone, CONFIG_CHECK());
    expect(run.status).toBe(2);
    expect(joinedLines(run.stderr)).toMatch(
      new RegExp(
        `: ${PROJECT}/cdk\\.tf\\.json: not valid JSON: duplicate key resource \\(terraform would read both\\) at line \\d+, column \\d+;`,
      ),
    );
    expect(run.stderr).not.toContain("local-exec");
  });

  test("invalid JSON is named by file and position, never echoed", () => {
    const clone = exportBase("broken-");
    writeFileSync(join(projectDir(clone), "cdk.tf.json"), '{"x": SECRET-VALUE}');
    const run = runStep(clone, CONFIG_CHECK());
    expect(run.status).toBe(2);
    expect(joinedLines(run.stderr)).toContain(`${PROJECT}/cdk.tf.json: not valid JSON: unexpected character at line 1, column 7;`);
    expect(run.stdout + run.stderr).not.toContain("SECRET");
  });

  test("env/default.tfvars (Atlantis would pass it as -var-file), a symlink and file() in an output are refused", () => {
    const clone = exportBase("files-");
    const dir = projectDir(clone);
    mkdirSync(join(dir, "env"));
    writeFileSync(join(dir, "env/default.tfvars"), 'x = "y"\n');
    symlinkSync("/proc/self/environ", join(dir, "leak.json"));
    const file = join(dir, "cdk.tf.json");
    const stack = JSON.parse(readFileSync(file, "utf8"));
    stack.output.leak = { value: '${file("/proc/self/environ")}' };
    writeFileSync(file, JSON.stringify(stack));
    const run = runStep(clone, CONFIG_CHECK());
    expect(run.status).toBe(1);
    expect(run.stdout.split("\n")[0]).toBe(`${REFUSED()}: 4 problem(s)`);
    expect(run.stdout).toContain(`- ${PROJECT}/env/default.tfvars: the project directory holds only cdk.tf.json`);
    expect(run.stdout).toContain(
      `- ${PROJECT}/leak.json: a symbolic link; the project directory holds only cdk.tf.json (delete leak.json)`,
    );
    expect(run.stdout).toContain(`- ${PROJECT}/cdk.tf.json: output.leak.value: \${file("/proc/self/environ")} is not a plain reference`);
  });

  test("an atlantis.yaml where prod no longer depends on staging is refused", () => {
    const clone = exportBase("order-");
    const file = join(clone, "atlantis.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("    depends_on: [dynamodb-staging]\n", ""));
    const run = runStep(clone, CONFIG_CHECK());
    expect(run.status).toBe(1);
    expect(run.stdout.split("\n")).toEqual([
      `${REFUSED()}: 1 problem(s)`,
      '- atlantis.yaml: project dynamodb-prod: depends_on is null; it must be ["dynamodb-staging"]',
      "",
    ]);
  });
});
