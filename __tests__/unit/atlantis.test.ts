/**
 * atlantis.yaml and the server-side atlantis/repos.yaml, checked against the stacks synth produces
 * and against the rules Atlantis itself applies (runatlantis/atlantis v0.47):
 * - keys: server/core/config/raw/repo_cfg.go (RepoCfg), raw/project.go (Project), raw/global_cfg.go
 *   (GlobalCfg, Repo), raw/step.go (step names), raw/project.go (validApplyReq);
 * - overrides and workflows: server/core/config/valid/global_cfg.go ValidateRepoCfg (messages copied);
 * - apply order: server/events/command_requirement_handler.go ValidateProjectDependencies (depends_on
 *   refuses a project until each dependency is applied or planned with no changes), while
 *   abort_on_execution_order_fail only acts for parallel applies (project_command_pool_executor.go).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { Minimatch } from "minimatch";
import { parse as parseYaml } from "yaml";
import { shippedStacks } from "../helpers/synth";
import { projectDirectories } from "../../scripts/atlantis-workflow";

interface Project {
  name: string;
  dir: string;
  terraform_version: string;
  execution_order_group: number;
  depends_on?: string[];
  workflow?: string;
  autoplan: { enabled: boolean; when_modified: string[] };
  [key: string]: unknown;
}
interface AtlantisConfig {
  projects: Project[];
  workflows?: Record<string, unknown>;
  [key: string]: unknown;
}
type Step = string | Record<string, unknown>;
interface ServerRepo {
  id: string;
  workflow?: string;
  allowed_overrides?: string[];
  allowed_workflows?: string[];
  allow_custom_workflows?: boolean;
  apply_requirements?: string[];
  pre_workflow_hooks?: Array<Record<string, string>>;
  [key: string]: unknown;
}
interface ServerConfig {
  repos: ServerRepo[];
  workflows: Record<string, { plan: { steps: Step[] }; apply: { steps: Step[] } }>;
  [key: string]: unknown;
}

const REPO_CFG_KEYS = [
  "version",
  "projects",
  "workflows",
  "policies",
  "autodiscover",
  "automerge",
  "parallel_apply",
  "parallel_plan",
  "delete_source_branch_on_merge",
  "emoji_reaction",
  "allowed_regexp_prefixes",
  "abort_on_execution_order_fail",
  "repo_locks",
  "silence_pr_comments",
];
const PROJECT_KEYS = [
  "name",
  "branch",
  "dir",
  "workspace",
  "workflow",
  "terraform_distribution",
  "terraform_version",
  "autoplan",
  "plan_requirements",
  "apply_requirements",
  "import_requirements",
  "depends_on",
  "delete_source_branch_on_merge",
  "repo_locking",
  "repo_locks",
  "execution_order_group",
  "policy_check",
  "custom_policy_check",
  "silence_pr_comments",
];
const GLOBAL_CFG_KEYS = ["repos", "workflows", "policies", "metrics", "team_authz", "external_stores"];
const SERVER_REPO_KEYS = [
  "id",
  "branch",
  "repo_config_file",
  "plan_requirements",
  "apply_requirements",
  "import_requirements",
  "pre_workflow_hooks",
  "workflow",
  "post_workflow_hooks",
  "allowed_workflows",
  "allowed_overrides",
  "allow_custom_workflows",
  "delete_source_branch_on_merge",
  "repo_locking",
  "repo_locks",
  "policy_check",
  "custom_policy_check",
  "autodiscover",
  "silence_pr_comments",
];
const STEP_NAMES = ["init", "plan", "apply", "env", "multienv", "show", "policy_check", "import", "state_rm", "run"];
/** Project keys a repo may only set when the server lists them in allowed_overrides. */
const OVERRIDABLE_PROJECT_KEYS = [
  "workflow",
  "apply_requirements",
  "plan_requirements",
  "import_requirements",
  "delete_source_branch_on_merge",
  "repo_locking",
  "repo_locks",
  "custom_policy_check",
  "silence_pr_comments",
];

const root = join(__dirname, "../..");
const SOURCES =
  /^(main\.ts|cdktf\.json|package-lock\.json|schema\.lock\.json|guards\/plan-guard-overrides\.json|(config|stacks|tables|guards)\/.*\.ts)$/;
/** Environments in apply order: each project must depend on the one before. */
const APPLY_ORDER = ["dynamodb-dev", "dynamodb-staging", "dynamodb-prod"];

/** Everything that makes atlantis.yaml disagree with the synthesized stacks and the sources. */
function atlantisProblems(atlantis: AtlantisConfig, synthesizedStacks: string[], files: string[]): string[] {
  const problems: string[] = [];
  for (const stack of synthesizedStacks.filter((name) => name.startsWith("dynamodb-"))) {
    const count = atlantis.projects.filter((p) => p.dir === `ci-cdktf.out/stacks/${stack}`).length;
    if (count !== 1)
      problems.push(`stack ${stack} has ${count} projects in atlantis.yaml; add exactly one with dir ci-cdktf.out/stacks/${stack}`);
  }
  for (const project of atlantis.projects) {
    const stack = project.dir.replace("ci-cdktf.out/stacks/", "");
    if (!synthesizedStacks.includes(stack)) problems.push(`project ${project.name} points at ${project.dir}, which synth does not produce`);
    if (project.name !== stack) problems.push(`project ${project.name} is named differently from its stack ${stack}`);
    if (!project.autoplan?.enabled) problems.push(`project ${project.name} has autoplan disabled`);
    // Each pattern compiled once (minimatch(file, pattern) compiles it again for every file).
    const patterns = (project.autoplan?.when_modified ?? []).map(
      (pattern) => new Minimatch(posix.normalize(posix.join(project.dir, pattern))),
    );
    for (const pattern of patterns.filter((p) => !files.some((file) => p.match(file)))) {
      problems.push(`project ${project.name}: autoplan pattern ${pattern.pattern} matches no file in the repository`);
    }
    for (const source of files.filter((file) => SOURCES.test(file) && !patterns.some((p) => p.match(file)))) {
      problems.push(`project ${project.name}: a change to ${source} would not trigger autoplan`);
    }
  }
  return problems;
}

/** What the Atlantis server would reject in atlantis.yaml under repos.yaml, or what breaks our fail-closed rules. */
function serverProblems(atlantis: AtlantisConfig, server: ServerConfig): string[] {
  const problems: string[] = [];
  const unknownKeys = (where: string, object: object, allowed: string[]) =>
    Object.keys(object)
      .filter((key) => !allowed.includes(key))
      .map((key) => `${where}: unknown key ${key}`);
  problems.push(...unknownKeys("atlantis.yaml", atlantis, REPO_CFG_KEYS), ...unknownKeys("repos.yaml", server, GLOBAL_CFG_KEYS));
  for (const project of atlantis.projects) problems.push(...unknownKeys(`atlantis.yaml project ${project.name}`, project, PROJECT_KEYS));
  const [repo] = server.repos;
  problems.push(...unknownKeys(`repos.yaml repo ${repo.id}`, repo, SERVER_REPO_KEYS));

  // ValidateRepoCfg, in Atlantis's own words.
  const overrides = repo.allowed_overrides ?? [];
  for (const project of atlantis.projects) {
    for (const key of OVERRIDABLE_PROJECT_KEYS.filter((k) => project[k] !== undefined && !overrides.includes(k))) {
      problems.push(`repo config not allowed to set '${key}' key: server-side config needs 'allowed_overrides: [${key}]'`);
    }
  }
  if (atlantis.workflows && Object.keys(atlantis.workflows).length > 0 && repo.allow_custom_workflows !== true) {
    problems.push("repo config not allowed to define custom workflows: server-side config needs 'allow_custom_workflows: true'");
  }
  for (const project of atlantis.projects.filter((p) => p.workflow !== undefined)) {
    if (!server.workflows[project.workflow!]) problems.push(`workflow "${project.workflow}" is not defined anywhere`);
    if (repo.allowed_workflows?.length && !repo.allowed_workflows.includes(project.workflow!)) {
      problems.push(`workflow '${project.workflow}' is not allowed for this repo`);
    }
  }
  for (const [name, workflow] of Object.entries(server.workflows)) {
    for (const step of [...workflow.plan.steps, ...workflow.apply.steps]) {
      const stepName = typeof step === "string" ? step : Object.keys(step)[0];
      if (!STEP_NAMES.includes(stepName)) problems.push(`workflow ${name}: "${stepName}" is not a valid step type`);
    }
  }
  for (const requirement of repo.apply_requirements ?? []) {
    if (!["approved", "mergeable", "undiverged"].includes(requirement)) problems.push(`"${requirement}" is not a valid apply_requirement`);
  }

  // Fail-closed rules of our own.
  if (repo.allow_custom_workflows === true)
    problems.push("repos.yaml: allow_custom_workflows lets any pull request run commands on the server");
  for (const key of ["apply_requirements", "import_requirements", "plan_requirements"].filter((k) => overrides.includes(k))) {
    problems.push(`repos.yaml: allowed_overrides includes ${key}, so a pull request could lower its own requirements`);
  }
  APPLY_ORDER.forEach((name, index) => {
    const project = atlantis.projects.find((p) => p.name === name);
    const expected = index === 0 ? [] : [APPLY_ORDER[index - 1]];
    if (project && JSON.stringify(project.depends_on ?? []) !== JSON.stringify(expected)) {
      problems.push(`project ${name} must depend on [${expected.join(", ")}] (depends_on), not [${(project.depends_on ?? []).join(", ")}]`);
    }
  });
  return problems;
}

const atlantis = parseYaml(readFileSync(join(root, "atlantis.yaml"), "utf8")) as AtlantisConfig;
const server = parseYaml(readFileSync(join(root, "atlantis/repos.yaml"), "utf8")) as ServerConfig;
const stacks = Object.keys(shippedStacks());
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
  .trim()
  .split("\n");

describe("atlantis.yaml", () => {
  test("has exactly one project per synthesized stack, every source path triggers autoplan", () => {
    expect(atlantisProblems(atlantis, stacks, files)).toEqual([]);
  });

  test("terraform is pinned to one exact version for every project", () => {
    expect([...new Set(atlantis.projects.map((p) => p.terraform_version))]).toEqual(["v1.11.4"]);
  });

  test("apply order dev -> staging -> prod: execution groups for a combined apply, depends_on to refuse out of order", () => {
    const order = [...atlantis.projects].sort((a, b) => a.execution_order_group - b.execution_order_group).map((p) => p.name);
    expect(order).toEqual(["dynamodb-dev", "dynamodb-staging", "dynamodb-prod"]);
    expect(Object.fromEntries(atlantis.projects.map((p) => [p.name, p.depends_on ?? []]))).toEqual({
      "dynamodb-dev": [],
      "dynamodb-staging": ["dynamodb-dev"],
      "dynamodb-prod": ["dynamodb-staging"],
    });
  });

  test("the hook's project directories are exactly atlantis.yaml's", () => {
    expect(projectDirectories(readFileSync(join(root, "atlantis.yaml"), "utf8"))).toEqual(atlantis.projects.map((p) => p.dir));
  });

  describe("the check catches drift", () => {
    test("a stack's project removed from atlantis.yaml", () => {
      const edited = { ...atlantis, projects: atlantis.projects.filter((p) => p.name !== "dynamodb-staging") };
      expect(atlantisProblems(edited, stacks, files)).toEqual([
        "stack dynamodb-staging has 0 projects in atlantis.yaml; add exactly one with dir ci-cdktf.out/stacks/dynamodb-staging",
      ]);
    });

    test("a project for a stack synth no longer produces", () => {
      const edited = {
        ...atlantis,
        projects: [...atlantis.projects, { ...atlantis.projects[0], name: "dynamodb-qa", dir: "ci-cdktf.out/stacks/dynamodb-qa" }],
      };
      expect(atlantisProblems(edited, stacks, files)).toContain(
        "project dynamodb-qa points at ci-cdktf.out/stacks/dynamodb-qa, which synth does not produce",
      );
    });

    test("an autoplan pattern that matches nothing, and a source no pattern covers", () => {
      const project = atlantis.projects[0];
      const edited = {
        ...atlantis,
        projects: [
          {
            ...project,
            autoplan: {
              enabled: true,
              when_modified: ["../../../src/**/*.ts", ...project.autoplan.when_modified.filter((p) => !p.includes("config"))],
            },
          },
        ],
      };
      const problems = atlantisProblems(edited, ["dynamodb-dev"], files);
      expect(problems).toContain("project dynamodb-dev: autoplan pattern src/**/*.ts matches no file in the repository");
      expect(problems).toContain("project dynamodb-dev: a change to config/environments.ts would not trigger autoplan");
    });
  });
});

describe("atlantis/repos.yaml (server-side) with atlantis.yaml", () => {
  test("Atlantis accepts the pair, and none of our fail-closed rules is broken", () => {
    expect(serverProblems(atlantis, server)).toEqual([]);
  });

  test("the repo selects the server-side workflow; no repo-defined workflows, no custom workflows allowed", () => {
    const [repo] = server.repos;
    expect(repo).toEqual(
      expect.objectContaining({
        workflow: "opsdata-cdktf",
        allowed_overrides: ["workflow"],
        allowed_workflows: ["opsdata-cdktf"],
        allow_custom_workflows: false,
      }),
    );
    expect(atlantis.workflows).toBeUndefined();
    expect([...new Set(atlantis.projects.map((p) => p.workflow))]).toEqual(["opsdata-cdktf"]);
  });

  test("apply requirements are server-side: approved, mergeable and undiverged for every project", () => {
    expect(server.repos[0].apply_requirements).toEqual(["approved", "mergeable", "undiverged"]);
    expect(server.repos[0].import_requirements).toEqual(["approved", "mergeable", "undiverged"]);
  });

  test("the plan synthesizes first, then init, plan, show and the plan guard on $SHOWFILE; apply checks the commit first", () => {
    const { plan, apply } = server.workflows["opsdata-cdktf"];
    expect(plan.steps).toEqual([
      { run: "npm run --silent atlantis:synth" },
      "init",
      "plan",
      "show",
      { run: 'npm run --silent plan:guard -- "$SHOWFILE" --stack "$PROJECT_NAME"' },
      {
        run:
          'cd "$(git -C "$DIR" rev-parse --show-toplevel)" && git fetch --quiet origin "$BASE_BRANCH_NAME:refs/remotes/origin/$BASE_BRANCH_NAME" && ' +
          'npm run --silent cost -- --env "${PROJECT_NAME#dynamodb-}" --diff "origin/$BASE_BRANCH_NAME" || echo "cost estimate unavailable (reason above); the plan is unaffected"',
      },
    ]);
    expect(apply.steps).toEqual([{ run: "npm run --silent atlantis:check" }, "apply"]);
  });

  test("the pre-workflow hook runs for plans only (an apply must not touch what its plan synthesized)", () => {
    expect(server.repos[0].pre_workflow_hooks).toEqual([
      {
        run: "npm ci --omit=dev --no-audit --no-fund && npm run --silent atlantis:prepare",
        description: "npm ci and project directories",
        commands: "plan",
      },
    ]);
  });

  describe("the check names what Atlantis would reject", () => {
    test("a repo-level workflow without allow_custom_workflows", () => {
      const edited = { ...atlantis, workflows: { mine: { plan: { steps: ["init", "plan"] } } } };
      expect(serverProblems(edited, server)).toEqual([
        "repo config not allowed to define custom workflows: server-side config needs 'allow_custom_workflows: true'",
      ]);
    });

    test("a project lowering its apply requirements", () => {
      const edited = { ...atlantis, projects: atlantis.projects.map((p) => ({ ...p, apply_requirements: [] })) };
      expect(serverProblems(edited, server)).toContain(
        "repo config not allowed to set 'apply_requirements' key: server-side config needs 'allowed_overrides: [apply_requirements]'",
      );
    });

    test("a workflow the server does not allow", () => {
      const edited = { ...atlantis, projects: atlantis.projects.map((p) => ({ ...p, workflow: "default" })) };
      expect(serverProblems(edited, server)).toContain("workflow 'default' is not allowed for this repo");
    });

    test("prod no longer depending on staging", () => {
      const edited = { ...atlantis, projects: atlantis.projects.map((p) => ({ ...p, depends_on: undefined })) };
      expect(serverProblems(edited, server)).toEqual([
        "project dynamodb-staging must depend on [dynamodb-dev] (depends_on), not []",
        "project dynamodb-prod must depend on [dynamodb-staging] (depends_on), not []",
      ]);
    });

    test("an unknown key (a typo Atlantis would refuse)", () => {
      const edited = { ...atlantis, projects: [{ ...atlantis.projects[0], depend_on: ["x"] }] };
      expect(serverProblems(edited, server)).toContain("atlantis.yaml project dynamodb-dev: unknown key depend_on");
    });
  });
});
