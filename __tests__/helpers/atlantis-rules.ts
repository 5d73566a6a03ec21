/**
 * Atlantis's own rules for atlantis.yaml and the server-side config (runatlantis/atlantis v0.47.1),
 * plus this project's fail-closed rules: used by __tests__/unit/atlantis.test.ts and the hostile
 * pull request suite.
 * - keys: server/core/config/raw/repo_cfg.go (RepoCfg), raw/project.go (Project), raw/global_cfg.go
 *   (GlobalCfg, Repo), raw/workflow.go (stages), raw/step.go (steps and their keys), raw/policies.go
 *   (PolicySets, PolicySet: name and path required, source local or github);
 * - overrides and workflows: server/core/config/valid/global_cfg.go ValidateRepoCfg (messages copied);
 *   a project key outside allowed_overrides is ignored by MergeProjectCfg or refused by ValidateRepoCfg;
 * - when_modified: server/events/project_finder.go joins each pattern to the project dir and matches
 *   with moby/patternmatcher (no special case for dotfiles: minimatch with `dot`);
 * - server flags: cmd/server.go flag names (read from the --config file by viper).
 */
import { posix } from "node:path";
import { Minimatch } from "minimatch";
import { ENVIRONMENTS } from "../../config/environments";
import { stackName } from "../../config/environment-bounds";

export interface Project {
  name: string;
  dir: string;
  execution_order_group: number;
  depends_on?: string[];
  autoplan: { enabled: boolean; when_modified: string[] };
  [key: string]: unknown;
}
export interface AtlantisConfig {
  projects: Project[];
  workflows?: Record<string, unknown>;
  [key: string]: unknown;
}
export type Step = string | Record<string, unknown>;
export interface ServerRepo {
  id: string;
  workflow?: string;
  allowed_overrides?: string[];
  allowed_workflows?: string[];
  allow_custom_workflows?: boolean;
  apply_requirements?: string[];
  [key: string]: unknown;
}
export interface PolicySet {
  name: string;
  path: string;
  source: string;
  [key: string]: unknown;
}
export interface ServerConfig {
  repos: ServerRepo[];
  workflows: Record<string, Record<string, { steps: Step[] }>>;
  policies: { owners: { users?: string[]; teams?: string[] }; policy_sets: PolicySet[]; [key: string]: unknown };
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
const POLICIES_KEYS = ["conftest_version", "owners", "policy_sets", "sticky_policy_approvals", "policy_item_regex", "approve_count"];
const POLICY_SET_KEYS = [
  "path",
  "source",
  "name",
  "owners",
  "approve_count",
  "sticky_policy_approvals",
  "policy_item_regex",
  "prevent_self_approve",
];
const STAGES = ["plan", "apply", "policy_check", "import", "state_rm"];
/** Step name -> the keys its map form may have (raw/step.go). */
const STEP_KEYS: Record<string, string[]> = {
  init: ["extra_args"],
  plan: ["extra_args"],
  apply: ["extra_args"],
  show: ["extra_args"],
  policy_check: ["extra_args"],
  import: ["extra_args"],
  state_rm: ["extra_args"],
  env: ["name", "command", "value", "shell", "shellArgs"],
  run: ["run", "shell", "shellArgs", "output"],
  multienv: ["multienv", "shell", "shellArgs", "output"],
};
/** Project keys a repo may only set when the server lists them in allowed_overrides (ValidateRepoCfg). */
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
/** Flags (cmd/server.go) this project may set in server-flags.yaml. */
export const SERVER_FLAGS = [
  "allow-commands",
  "allow-fork-prs",
  "blocked-extra-args",
  "checkout-strategy",
  "default-tf-version",
  "disable-autoplan",
  "discard-approval-on-plan",
  "enable-policy-checks",
  "enable-regexp-cmd",
  "fail-on-pre-workflow-hook-error",
  "gh-team-allowlist",
  "repo-allowlist",
  "repo-config",
  "tf-download",
];

/**
 * Built-in steps that append the pull request comment's extra args (`atlantis plan -- <args>`) to terraform
 * (runatlantis/atlantis v0.47.1 server/core/runtime: plan_step_runner.go, apply_step_runner.go,
 * import_step_runner.go, state_rm_step_runner.go use ctx.CommentArgs; init_step_runner.go clears them,
 * show_step_runner.go takes none). The workflow runs its own `run:` steps instead.
 */
export const COMMENT_ARG_STEPS = ["plan", "apply", "import", "state_rm"];

/** The one program the workflow may run besides terraform: the guard installed from the image. */
export const GUARD = "node /opt/opsdata/opsdata-guard.js ";

const stepName = (step: Step) => (typeof step === "string" ? step : Object.keys(step).find((key) => key in STEP_KEYS)!);
/** Every shell command of a workflow: run steps and env steps' commands. */
export function commands(steps: Step[]): string[] {
  return steps.flatMap((step) => {
    if (typeof step === "string") return [];
    if (typeof step.run === "string") return [step.run];
    const env = step.env as { command?: string } | undefined;
    return env?.command ? [env.command] : [];
  });
}

export const STACKS = ENVIRONMENTS.map(stackName);

/** Everything that makes atlantis.yaml disagree with the committed stacks, or leaves a file without autoplan. */
export function atlantisProblems(config: AtlantisConfig, stacks: string[], repositoryFiles: string[]): string[] {
  const problems: string[] = [];
  for (const stack of stacks) {
    const count = config.projects.filter((p) => p.dir === `synthesized/${stack}`).length;
    if (count !== 1) problems.push(`stack ${stack} has ${count} projects in atlantis.yaml; add exactly one with dir synthesized/${stack}`);
  }
  for (const project of config.projects) {
    const stack = project.dir.replace("synthesized/", "");
    if (!stacks.includes(stack)) problems.push(`project ${project.name} points at ${project.dir}, which is not a committed stack`);
    if (project.name !== stack) problems.push(`project ${project.name} is named differently from its stack ${stack}`);
    if (!project.autoplan?.enabled) problems.push(`project ${project.name} has autoplan disabled`);
    const patterns = (project.autoplan?.when_modified ?? []).map(
      (pattern) => new Minimatch(posix.normalize(posix.join(project.dir, pattern)), { dot: true }),
    );
    for (const file of repositoryFiles.filter((name) => !patterns.some((p) => p.match(name)))) {
      problems.push(`project ${project.name}: a change to ${file} would not trigger autoplan`);
    }
  }
  return problems;
}

/** What the Atlantis server would reject in the pair, or what breaks our fail-closed rules. */
export function serverProblems(config: AtlantisConfig, serverConfig: ServerConfig): string[] {
  const problems: string[] = [];
  const unknownKeys = (where: string, object: object, allowed: string[]) =>
    Object.keys(object)
      .filter((key) => !allowed.includes(key))
      .map((key) => `${where}: unknown key ${key}`);
  problems.push(...unknownKeys("atlantis.yaml", config, REPO_CFG_KEYS), ...unknownKeys("server.yaml", serverConfig, GLOBAL_CFG_KEYS));
  for (const project of config.projects) problems.push(...unknownKeys(`atlantis.yaml project ${project.name}`, project, PROJECT_KEYS));
  const [repo] = serverConfig.repos;
  problems.push(...unknownKeys(`server.yaml repo ${repo.id}`, repo, SERVER_REPO_KEYS));

  // ValidateRepoCfg, in Atlantis's own words.
  const overrides = repo.allowed_overrides ?? [];
  for (const project of config.projects) {
    for (const key of OVERRIDABLE_PROJECT_KEYS.filter((k) => project[k] !== undefined && !overrides.includes(k))) {
      problems.push(`repo config not allowed to set '${key}' key: server-side config needs 'allowed_overrides: [${key}]'`);
    }
  }
  if (config.workflows && Object.keys(config.workflows).length > 0 && repo.allow_custom_workflows !== true) {
    problems.push("repo config not allowed to define custom workflows: server-side config needs 'allow_custom_workflows: true'");
  }
  for (const [name, workflow] of Object.entries(serverConfig.workflows)) {
    problems.push(...unknownKeys(`workflow ${name}`, workflow, STAGES));
    for (const step of Object.values(workflow).flatMap((stage) => stage.steps)) {
      const found = stepName(step);
      if (!found) problems.push(`workflow ${name}: ${JSON.stringify(step)} is not a valid step type`);
      else if (typeof step !== "string" && found !== "run") {
        const body = step[found];
        if (typeof body === "object" && body !== null)
          problems.push(...unknownKeys(`workflow ${name} step ${found}`, body, STEP_KEYS[found]));
      }
    }
  }
  problems.push(...unknownKeys("server.yaml policies", serverConfig.policies, POLICIES_KEYS));
  for (const set of serverConfig.policies.policy_sets) {
    problems.push(...unknownKeys(`policy set ${set.name}`, set, POLICY_SET_KEYS));
    if (!set.name || !set.path) problems.push("policy set: name and path are required");
    if (!["local", "github"].includes(set.source)) problems.push("only 'local' and 'github' source types are supported");
  }

  // Fail-closed rules of our own.
  if (repo.allow_custom_workflows === true)
    problems.push("server.yaml: allow_custom_workflows lets any pull request run commands on the server");
  if (overrides.length > 0)
    problems.push(`server.yaml: allowed_overrides ${overrides.join(", ")}: a pull request could change its own workflow or requirements`);
  for (const key of ["pre_workflow_hooks", "post_workflow_hooks"].filter((k) => k in repo)) {
    problems.push(`server.yaml: ${key} run on the server with its credentials; there must be none`);
  }
  for (const [name, workflow] of Object.entries(serverConfig.workflows)) {
    for (const step of Object.values(workflow).flatMap((stage) => stage.steps)) {
      const found = stepName(step);
      if (COMMENT_ARG_STEPS.includes(found)) {
        problems.push(`workflow ${name}: the built-in ${found} step passes the comment's extra args to terraform; use a run step`);
      }
    }
    for (const command of Object.values(workflow).flatMap((stage) => commands(stage.steps))) {
      if (command.includes("COMMENT_ARGS")) problems.push(`workflow ${name}: "${command}" uses the comment's extra args`);
      const programs = command.split("&&").map((part) => part.trim());
      const foreign = programs.filter((p) => !p.startsWith(GUARD) && !/^(rm -rf|cp \/opt\/opsdata\/|terraform )/.test(p));
      for (const program of foreign) problems.push(`workflow ${name}: "${program}" is not terraform or ${GUARD.trim()}`);
    }
  }
  for (const set of serverConfig.policies.policy_sets) {
    if (set.source !== "local" || !set.path.startsWith("/")) {
      problems.push(
        `policy set ${set.name}: a local source with an absolute path (a relative one resolves inside the pull request's clone)`,
      );
    }
  }
  STACKS.forEach((name, index) => {
    const project = config.projects.find((p) => p.name === name);
    const expected = index === 0 ? [] : [STACKS[index - 1]];
    if (project && JSON.stringify(project.depends_on ?? []) !== JSON.stringify(expected)) {
      problems.push(`project ${name} must depend on [${expected.join(", ")}] (depends_on), not [${(project.depends_on ?? []).join(", ")}]`);
    }
  });
  return problems;
}
