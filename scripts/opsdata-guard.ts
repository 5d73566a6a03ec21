/**
 * opsdata-guard.js: the guard the Atlantis server runs, built by `npm run build:guard` from a reviewed
 * commit of main into one self-contained file installed outside the repository (atlantis/Dockerfile).
 * The environments (accounts, state, roles) and the pinned AWS provider version are compiled in, so
 * nothing the pull request controls decides what it checks. Commands (atlantis/server.yaml):
 *
 *   config <project dir> --project <stack> [--workspace <name>]   the config check, before terraform init:
 *                                          the project dir (recursively), its cdk.tf.json (strict JSON: no
 *                                          duplicate keys) and the checkout's atlantis.yaml
 *   plan <show.json> --project <stack> [--policy-check] [--overrides <file>]
 *                                          the plan guard; --policy-check prints what Atlantis's custom
 *                                          policy check parses (below); overrides only from a file given
 *   profile <plan|apply> --project <stack> the AWS profile of the environment and stage (an env step)
 *   aws-config --credential-source <src>   the server's AWS config: one profile per environment and stage,
 *                                          with the environment's external id (config/environments.ts)
 *   version
 *
 * Atlantis's custom policy check (runatlantis/atlantis v0.47.1, server/events/project_command_runner.go
 * doPolicyCheck): each policy_check run step's output is one policy set's result; it fails when the
 * output matches `[1-9][0-9]* failure` or starts with `FAIL`, and policy owners can then approve it
 * (`atlantis approve_policies`); a non-zero exit is an error of the check, which cannot be approved
 * (run_step_runner.go returns the error; doPolicyCheck returns it unless it says "some policies failed").
 * So a refused plan exits 0 with FAIL output, and an unreadable plan exits 2.
 */
import { existsSync, lstatSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ENVIRONMENTS } from "../config/environments";
import { stackName } from "../config/environment-bounds";
import { atlantisProjectProblems } from "../guards/atlantis-projects";
import { CONFIG_FILE, checkTerraformConfig, projectEntryProblems, type ConfigCheckFacts, type ProjectEntry } from "../guards/config-check";
import { StrictJsonError, parseStrictJson } from "../guards/strict-json";
import { ATLANTIS_APPLY_ROLE_NAME, ATLANTIS_PLAN_ROLE_NAME } from "../stacks/atlantis-role-policies";
import { guardPlanFile } from "./plan-guard-file";
import { wrapLines } from "../config/output-width";

/** Set by scripts/build-guard.js. */
declare const OPSDATA_GUARD_VERSION: string;
declare const OPSDATA_AWS_PROVIDER_VERSION: string;

const CREDENTIAL_SOURCES = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];
/** The role each stage assumes (created by the bootstrap stack, stacks/atlantis-roles-stack.ts). */
const ROLES = { plan: ATLANTIS_PLAN_ROLE_NAME, apply: ATLANTIS_APPLY_ROLE_NAME };
type Stage = keyof typeof ROLES;
const STAGES = Object.keys(ROLES) as Stage[];
/** The server's AWS profile that assumes an environment's role for a stage, e.g. opsdata-prod-plan. */
const profileName = (environment: string, stage: Stage) => `opsdata-${environment}-${stage}`;
const USAGE = [
  "usage: node opsdata-guard.js config <project dir> --project <stack> [--workspace <name>]",
  "       node opsdata-guard.js plan <show.json> --project <stack> [--policy-check] [--overrides <file>]",
  "       node opsdata-guard.js profile <plan|apply> --project <stack>",
  `       node opsdata-guard.js aws-config --credential-source <${CREDENTIAL_SOURCES.join("|")}>`,
  "       node opsdata-guard.js version",
].join("\n");
const version = () => `opsdata-guard ${OPSDATA_GUARD_VERSION}`;

/** A mistake in how the guard was called: the message and exit 2, never a pass. */
class UsageError extends Error {}
/** An input the guard cannot read: the message (no usage) and exit 2, never a pass. */
class InputError extends UsageError {}

interface Arguments {
  readonly positional: string[];
  readonly options: Map<string, string | true>;
}
const FLAGS = new Set(["--policy-check"]);
function parseArguments(args: readonly string[]): Arguments {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) positional.push(arg);
    else if (FLAGS.has(arg)) options.set(arg, true);
    else if (args[i + 1] === undefined || args[i + 1].startsWith("--")) throw new UsageError(`${arg} needs a value`);
    else options.set(arg, args[++i]);
  }
  return { positional, options };
}
function option(args: Arguments, name: string): string {
  const value = args.options.get(name);
  if (typeof value !== "string") throw new UsageError(`${name} is required`);
  return value;
}
function environmentOf(args: Arguments) {
  const project = option(args, "--project");
  const environment = ENVIRONMENTS.find((candidate) => stackName(candidate) === project);
  if (!environment) {
    throw new UsageError(`project ${project} is not an environment of ${version()} (${ENVIRONMENTS.map(stackName).join(", ")})`);
  }
  return { project, environment };
}
function onePositional(args: Arguments, what: string): string {
  if (args.positional.length !== 1) throw new UsageError(`give exactly one ${what}`);
  return args.positional[0];
}

/** Every entry under a directory, recursively, as lstat sees it: a symlink is reported, never followed. */
function projectEntries(directory: string, prefix = ""): ProjectEntry[] {
  return readdirSync(directory).flatMap((name): ProjectEntry[] => {
    const path = prefix + name;
    const stat = lstatSync(join(directory, name));
    if (stat.isSymbolicLink()) return [{ path, type: "symlink" }];
    if (stat.isDirectory()) {
      // init's own directory: the plan step removes it before init (atlantis/server.yaml).
      return name === ".terraform" && !prefix
        ? [{ path, type: "directory" }]
        : [{ path, type: "directory" }, ...projectEntries(join(directory, name), `${path}/`)];
    }
    return [{ path, type: stat.isFile() ? "file" : "other" }];
  });
}

/** The pull request's atlantis.yaml, at the root of the checkout the project dir (synthesized/<stack>) is in. */
function atlantisYamlProblems(projectDirectory: string, project: string): string[] {
  const where = resolve(projectDirectory);
  if (basename(where) !== project || basename(dirname(where)) !== "synthesized") {
    throw new UsageError(`${projectDirectory}: the project directory of ${project} must be synthesized/${project} of the checkout`);
  }
  const file = join(dirname(dirname(where)), "atlantis.yaml");
  if (!existsSync(file) || !lstatSync(file).isFile()) return [`atlantis.yaml: missing (or not a regular file) at the root of the checkout`];
  let parsed: unknown;
  try {
    // Duplicate keys are an error (uniqueKeys); `<<` merge keys stay plain keys and are refused as unknown.
    parsed = parseYaml(readFileSync(file, "utf8"), { uniqueKeys: true, merge: false });
  } catch (error) {
    const position = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    return [`atlantis.yaml: not valid YAML${position ? ` at line ${position.line}, column ${position.col}` : ""}; restore it from main`];
  }
  return atlantisProjectProblems(parsed, ENVIRONMENTS.map(stackName));
}

function config(args: Arguments): number {
  const directory = onePositional(args, "project directory");
  const { project, environment } = environmentOf(args);
  const file = join(directory, CONFIG_FILE);
  if (!existsSync(directory) || !lstatSync(directory).isDirectory()) throw new UsageError(`${directory}: not a directory`);
  if (!lstatSync(file, { throwIfNoEntry: false })) {
    throw new InputError(`${file}: no such file; the project directory must hold the committed ${CONFIG_FILE}`);
  }
  const facts = {
    stack: project,
    accountId: environment.aws.accountId,
    region: environment.aws.region,
    state: environment.state,
    // config/environments.ts as written (its schema defaults remoteStates to none).
    remoteStates: "remoteStates" in environment ? (environment.remoteStates as ConfigCheckFacts["remoteStates"]) : undefined,
    awsProviderVersion: OPSDATA_AWS_PROVIDER_VERSION,
    workspace: typeof args.options.get("--workspace") === "string" ? option(args, "--workspace") : undefined,
    entries: projectEntries(directory),
  };
  const problems = atlantisYamlProblems(directory, project);
  if (!lstatSync(file).isFile()) {
    // A symlink is never read: it could point at any file of the server.
    problems.push(...projectEntryProblems(facts));
  } else {
    let json: unknown;
    try {
      json = parseStrictJson(readFileSync(file, "utf8"));
    } catch (error) {
      if (!(error instanceof StrictJsonError)) throw error;
      // The file and position only, never its text (JSON.parse's message quotes it).
      throw new InputError(`${project}/${CONFIG_FILE}: not valid JSON: ${error.message}; regenerate it with npm run synth:commit`);
    }
    problems.push(...checkTerraformConfig(json, facts));
  }
  if (problems.length > 0) {
    console.log(
      wrapLines(`config check: REFUSED (${version()}): ${problems.length} problem(s)\n${problems.map((p) => `- ${p}`).join("\n")}`),
    );
    return 1;
  }
  const { bucket, key } = environment.state;
  console.log(
    wrapLines(
      `config check: OK (${version()}): ${project} uses only hashicorp/aws ${OPSDATA_AWS_PROVIDER_VERSION} ` +
        `in account ${environment.aws.accountId}, state s3://${bucket}/${key}`,
    ),
  );
  return 0;
}

function plan(args: Arguments): number {
  const planPath = onePositional(args, "plan file (terraform show -json)");
  const { project } = environmentOf(args);
  // Without --overrides, none at all: never a file beside the guard or in the pull request.
  const overridesPath = typeof args.options.get("--overrides") === "string" ? option(args, "--overrides") : null;
  const { text, exitCode } = guardPlanFile(planPath, { stack: project, overridesPath });
  if (!args.options.has("--policy-check") || exitCode === 2) {
    (exitCode === 0 ? console.log : console.error)(`${text}\n(${version()})`);
    return exitCode;
  }
  if (exitCode === 0) {
    console.log(`PASS - ${project}\n${text}\n(${version()})\n0 failures`);
  } else {
    console.log(
      [
        `FAIL - ${project}: the plan guard refuses this plan (${version()})`,
        text,
        "Overrides in the pull request are not read here. If the change is intended and reviewed, a policy owner",
        "(not the author) waives it by commenting: atlantis approve_policies",
        "1 failure",
      ].join("\n"),
    );
  }
  return 0;
}

function profile(args: Arguments): number {
  const stage = onePositional(args, "stage (plan or apply)") as Stage;
  if (!STAGES.includes(stage)) throw new UsageError(`stage ${stage}: use ${STAGES.join(" or ")}`);
  const { project, environment } = environmentOf(args);
  if (!environment.atlantis) throw new UsageError(`${project} has no atlantis settings in config/environments.ts: no roles to assume`);
  console.log(profileName(environment.name, stage));
  return 0;
}

function awsConfig(args: Arguments): number {
  const source = option(args, "--credential-source");
  if (!CREDENTIAL_SOURCES.includes(source)) throw new UsageError(`--credential-source ${source}: use ${CREDENTIAL_SOURCES.join(", ")}`);
  const lines = [`# Written by ${version()} aws-config: the Atlantis roles of each environment and stage.`];
  for (const environment of ENVIRONMENTS) {
    if (!environment.atlantis) continue;
    for (const stage of STAGES) {
      lines.push(
        `[profile ${profileName(environment.name, stage)}]`,
        `role_arn = arn:aws:iam::${environment.aws.accountId}:role/${ROLES[stage]}`,
        `external_id = ${environment.atlantis.externalId}`,
        `credential_source = ${source}`,
        `role_session_name = atlantis-${environment.name}-${stage}`,
        `region = ${environment.aws.region}`,
      );
    }
  }
  console.log(lines.join("\n"));
  return 0;
}

const COMMANDS: Record<string, (args: Arguments) => number> = {
  config,
  plan,
  profile,
  "aws-config": awsConfig,
  version: () => (console.log(version()), 0),
};

const [command, ...rest] = process.argv.slice(2);
try {
  const run = COMMANDS[command];
  if (!run) throw new UsageError(command ? `unknown command ${command}` : "no command");
  process.exitCode = run(parseArguments(rest));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${wrapLines(`${version()}: ${error.message}`)}${error instanceof InputError ? "" : `\n${USAGE}`}`);
  process.exitCode = 2;
}
