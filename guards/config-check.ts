/**
 * The trusted config check: runs on the Atlantis server before `terraform init`, on the committed
 * Terraform JSON of the project being planned (synthesized/<stack>/cdk.tf.json), with facts about
 * the environment taken from the guard's own build (config/environments.ts of a reviewed commit of
 * main), never from the pull request. `terraform init` and `plan` run with that environment's
 * credentials, so the JSON may use only what those need:
 *
 * - the AWS provider (hashicorp/aws) at the pinned version, configured with region, the
 *   environment's account as `allowed_account_ids` and default tags: no credentials, profile,
 *   assume_role or endpoints of its own (the server picks the identity per environment and stage);
 * - an S3 backend whose bucket, key and region are the environment's, in the default workspace;
 * - no provisioners (local-exec runs a command on the server), no `external` data source or any
 *   other provider (a provider is a program), no modules (downloaded from outside the review);
 * - only plain references inside `${...}` (aws_kms_key.tables.arn, data.aws_x.y.id, an index [0]):
 *   an expression is evaluated on the server, and a function reads its files (`file`, `templatefile`,
 *   `filebase64`...); no `%{` template directives;
 * - nothing else in the project directory (checked recursively, symlinks refused) but cdk.tf.json and
 *   what the server's own steps write there: terraform loads every *.tf/*.tfvars file and Atlantis adds
 *   `-var-file env/<workspace>.tfvars` when that file exists (plan_step_runner.go buildPlanCmd).
 *
 * A pure function over JSON: guards/config-check.ts imports nothing but types.
 */
import { isObject, type Json } from "../config/json";

/** The one configuration file of a project directory (what cdktf synthesizes). */
export const CONFIG_FILE = "cdk.tf.json";

export interface StateLocation {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
}

export interface ConfigCheckFacts {
  /** The stack (and Atlantis project) being planned, e.g. dynamodb-prod: named in every message. */
  readonly stack: string;
  /** The environment's AWS account: the provider's only allowed account. */
  readonly accountId: string;
  readonly region: string;
  /** The environment's remote state. */
  readonly state: StateLocation;
  /** Other teams' states the environment declares (config remoteStates), by name. @default none */
  readonly remoteStates?: Readonly<Record<string, StateLocation>>;
  /** The hashicorp/aws version the project pins (@cdktf/provider-aws's provider version). */
  readonly awsProviderVersion: string;
  /** Terraform workspace of the run (Atlantis's $WORKSPACE). @default "default" */
  readonly workspace?: string;
  /** Every entry under the project directory, recursively (symlinks not followed). @default only CONFIG_FILE */
  readonly entries?: readonly ProjectEntry[];
}

/** An entry of the project directory, as lstat sees it. */
export interface ProjectEntry {
  /** Relative to the project directory, with `/`. */
  readonly path: string;
  readonly type: "file" | "directory" | "symlink" | "other";
}

/** Not `check` (its scoped data sources could be of any type), `module` or `ephemeral`. */
const TOP_LEVEL_BLOCKS = ["//", "terraform", "provider", "resource", "data", "output", "locals", "variable", "moved", "removed", "import"];
const TERRAFORM_SETTINGS = ["//", "backend", "required_providers", "required_version"];
const BACKEND_SETTINGS = ["bucket", "key", "region", "encrypt", "use_lockfile"];
const PROVIDER_SETTINGS = ["region", "allowed_account_ids", "default_tags"];
/** How a configuration may name hashicorp/aws (a bare name means hashicorp/<name> on the public registry). */
const AWS_SOURCES = ["aws", "hashicorp/aws", "registry.terraform.io/hashicorp/aws"];
/**
 * What may be in `${...}`: a plain reference to a resource, data source or local, with attributes and
 * literal indexes; no function call, operator or nested template.
 */
const REFERENCE = /^(?:aws_[a-z0-9_]+|data|local)(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[A-Za-z0-9_./-]*"\])+$/;
const INTERPOLATION = /\$\{([^}]*)\}?/g;

/** Terraform's JSON syntax allows a block as an object or as an array of objects. */
const bodies = (value: unknown): Json[] => (Array.isArray(value) ? value : [value]).filter(isObject);
/** The labelled blocks of a `resource` or `data` value: [type, name, body]. */
function labelled(value: unknown): Array<[string, string, Json]> {
  const found: Array<[string, string, Json]> = [];
  for (const byType of bodies(value)) {
    for (const [type, byName] of Object.entries(byType)) {
      if (type === "//") continue;
      for (const named of bodies(byName)) {
        for (const [name, body] of Object.entries(named)) {
          if (name !== "//") for (const each of bodies(body)) found.push([type, name, each]);
        }
      }
    }
  }
  return found;
}
const keysOf = (object: Json) => Object.keys(object).filter((key) => key !== "//");

/** Everything wrong with a project's Terraform JSON for the environment being planned; empty when it may be planned. */
export function checkTerraformConfig(config: unknown, facts: ConfigCheckFacts): string[] {
  const where = `${facts.stack}/${CONFIG_FILE}`;
  const problems: string[] = [];
  const refuse = (message: string) => problems.push(`${where}: ${message}`);

  problems.push(...projectEntryProblems(facts));
  if ((facts.workspace ?? "default") !== "default") {
    refuse(
      `workspace ${facts.workspace}: the environment's state is in the default workspace; remove \`workspace\` from the project in atlantis.yaml`,
    );
  }
  if (!isObject(config)) {
    refuse("is not a JSON object; regenerate it with npm run synth:commit");
    return problems;
  }

  expressionProblems(config, "", refuse);
  for (const block of Object.keys(config).filter((key) => !TOP_LEVEL_BLOCKS.includes(key))) {
    refuse(
      block === "module"
        ? "module blocks are not allowed: a module is downloaded from outside the reviewed repository"
        : `unknown top-level block "${block}": only ${TOP_LEVEL_BLOCKS.slice(1).join(", ")} are allowed`,
    );
  }

  const settings = bodies(config.terraform);
  for (const setting of settings.flatMap(keysOf).filter((key) => !TERRAFORM_SETTINGS.includes(key))) {
    refuse(`terraform.${setting} is not allowed (only backend, required_providers, required_version)`);
  }
  checkProviders(settings, config.provider, facts, refuse);
  checkBackend(settings, facts, refuse);

  for (const [type, name, body] of labelled(config.resource)) {
    if (!type.startsWith("aws_"))
      refuse(`resource ${type}.${name}: only aws_* resources are allowed (its provider would run on the server)`);
    for (const key of ["provisioner", "connection"].filter((k) => k in body)) {
      refuse(`resource ${type}.${name} has a ${key}: provisioners run commands on the Atlantis server; remove it`);
    }
    if (type === "aws_iam_role" && !onlyServicesMayAssume(body.assume_role_policy))
      refuse(
        `resource aws_iam_role.${name}: its assume_role_policy must be a literal policy that only AWS services (Principal.Service) ` +
          "may assume: a role the stack creates is never for a person or another account",
      );
  }
  // A removed block may hold destroy-time provisioners (Terraform 1.9+).
  for (const removed of bodies(config.removed).filter((body) => "provisioner" in body || "connection" in body)) {
    refuse(
      `removed block for ${JSON.stringify(removed.from ?? "?")} has a provisioner: provisioners run commands on the Atlantis server; remove it`,
    );
  }
  for (const [type, name, body] of labelled(config.data)) {
    if (type === "external") refuse(`data.external.${name}: the external data source runs a program on the Atlantis server; remove it`);
    else if (type === "terraform_remote_state") {
      const declared = facts.remoteStates?.[name];
      const expected = declared && { backend: "s3", config: { bucket: declared.bucket, key: declared.key, region: declared.region } };
      // Only exactly a declared state: any other setting (endpoints, role_arn, another backend) would send the
      // server's credentials or a request somewhere else.
      if (!expected || JSON.stringify(sortedKeys(body)) !== JSON.stringify(sortedKeys(expected)))
        refuse(
          `data.terraform_remote_state.${name}: only the remote states the environment declares (remoteStates), as ` +
            `{ backend: "s3", config: { bucket, key, region } } exactly`,
        );
    } else if (!type.startsWith("aws_"))
      refuse(`data.${type}.${name}: only aws_* and declared terraform_remote_state data sources are allowed`);
  }
  return problems;
}

/** A literal trust policy (JSON text) whose every statement names only AWS service principals. */
function onlyServicesMayAssume(policy: unknown): boolean {
  if (typeof policy !== "string") return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    return false;
  }
  const statements = (parsed as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  return list.every((statement) => {
    const { Effect, Principal, NotPrincipal } = (statement ?? {}) as Record<string, unknown>;
    if (Effect !== "Allow") return Effect === "Deny";
    if (NotPrincipal !== undefined || Principal === null || typeof Principal !== "object") return false;
    const keys = Object.keys(Principal);
    return keys.length === 1 && keys[0] === "Service";
  });
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/**
 * What the server's steps write into the project directory (atlantis/server.yaml): init's .terraform/ and
 * lock file (removed before init, so a committed copy is never used), the plan at $PLANFILE and the show
 * step's $SHOWFILE (runtime.go GetPlanFilename, command/project_context.go GetShowResultFileName).
 */
function serverWritten(stack: string, workspace: string): Map<string, ProjectEntry["type"]> {
  return new Map<string, ProjectEntry["type"]>([
    [CONFIG_FILE, "file"],
    [".terraform", "directory"],
    [".terraform.lock.hcl", "file"],
    [`${stack}-${workspace}.tfplan`, "file"],
    [`${stack}-${workspace}.json`, "file"],
  ]);
}

/** What is wrong with the project directory's entries (part of checkTerraformConfig; alone when cdk.tf.json cannot be read). */
export function projectEntryProblems(facts: ConfigCheckFacts): string[] {
  const allowed = serverWritten(facts.stack, facts.workspace ?? "default");
  const entries = facts.entries ?? [{ path: CONFIG_FILE, type: "file" }];
  const problems: string[] = [];
  if (!entries.some((entry) => entry.path === CONFIG_FILE && entry.type === "file")) {
    problems.push(`${facts.stack}/${CONFIG_FILE}: missing (or not a regular file); regenerate it with npm run synth:commit`);
  }
  for (const { path, type } of entries) {
    const inside = path.split("/")[0];
    // .terraform/ is init's own directory: what is inside is not the pull request's once init has run.
    if (inside === ".terraform" && path !== inside && allowed.get(inside) === "directory") continue;
    if (type === "symlink") {
      problems.push(`${facts.stack}/${path}: a symbolic link; the project directory holds only ${CONFIG_FILE} (delete ${path})`);
    } else if (allowed.get(path) !== type) {
      problems.push(
        `${facts.stack}/${path}: the project directory holds only ${CONFIG_FILE} ` +
          `(terraform loads every *.tf and *.tfvars file, and Atlantis passes env/<workspace>.tfvars); delete ${path}`,
      );
    }
  }
  return problems;
}

/** A JSON path for messages: output.leak.value, provider.aws[0].default_tags[0].tags.x. */
const pathJoin = (path: string, key: string | number) =>
  typeof key === "number"
    ? `${path}[${key}]`
    : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
      ? path
        ? `${path}.${key}`
        : key
      : `${path}[${JSON.stringify(key)}]`;

/** Every `${...}` in every string and object key must be a plain reference; no `%{` directive anywhere. */
function expressionProblems(value: unknown, path: string, refuse: (message: string) => void): void {
  const checkString = (text: string, where: string) => {
    if (text.includes("%{")) {
      refuse(`${where}: a %{ template directive is not allowed (only plain references in \${...}); regenerate with npm run synth:commit`);
    }
    for (const [whole, expression] of text.matchAll(INTERPOLATION)) {
      if (!whole.endsWith("}") || !REFERENCE.test(expression)) {
        const shown = expression.length > 60 ? `${expression.slice(0, 57)}...` : expression;
        refuse(
          `${where}: \${${shown}} is not a plain reference; expressions run on the Atlantis server ` +
            "(a function such as file() or templatefile() reads its files): only resource, data and local references are allowed",
        );
      }
    }
  };
  if (typeof value === "string") checkString(value, path || "(top level)");
  else if (Array.isArray(value)) value.forEach((item, index) => expressionProblems(item, pathJoin(path, index), refuse));
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const where = pathJoin(path, key);
      checkString(key, `${where} (key)`);
      expressionProblems(item, where, refuse);
    }
  }
}

function checkProviders(settings: Json[], providerBlock: unknown, facts: ConfigCheckFacts, refuse: (message: string) => void): void {
  const required = settings.flatMap((setting) => bodies(setting.required_providers));
  const names = new Set(required.flatMap(keysOf));
  for (const name of [...names].filter((n) => n !== "aws")) {
    refuse(`required_providers.${name}: a second provider is not allowed; only hashicorp/aws ${facts.awsProviderVersion}`);
  }
  const aws = required.map((entry) => entry.aws).filter((value) => value !== undefined);
  if (aws.length !== 1 || !isObject(aws[0])) {
    refuse(`required_providers must declare aws exactly once as { "source": "aws", "version": "${facts.awsProviderVersion}" }`);
  } else {
    for (const key of keysOf(aws[0]).filter((k) => !["source", "version"].includes(k))) {
      refuse(`required_providers.aws sets ${key}; only source and version are allowed`);
    }
    const { source, version } = aws[0];
    if (!AWS_SOURCES.includes(String(source).toLowerCase())) {
      refuse(`required_providers.aws.source is ${JSON.stringify(source)}; only hashicorp/aws is allowed`);
    }
    if (version !== facts.awsProviderVersion) {
      refuse(`required_providers.aws.version is ${JSON.stringify(version)}; the pinned version is exactly "${facts.awsProviderVersion}"`);
    }
  }

  const configured = bodies(providerBlock);
  for (const name of [...new Set(configured.flatMap(keysOf))].filter((n) => n !== "aws")) {
    refuse(`provider "${name}": a second provider is not allowed; only hashicorp/aws ${facts.awsProviderVersion}`);
  }
  const awsConfigs = configured.flatMap((entry) => bodies(entry.aws));
  if (awsConfigs.length !== 1) {
    refuse(`provider "aws" must be configured exactly once (found ${awsConfigs.length}; no aliases)`);
    return;
  }
  const [provider] = awsConfigs;
  for (const key of keysOf(provider).filter((k) => !PROVIDER_SETTINGS.includes(k))) {
    refuse(
      `provider "aws" sets ${key}: the server chooses the credentials for each environment and stage; ` +
        `the provider may set only ${PROVIDER_SETTINGS.join(", ")}`,
    );
  }
  if (provider.region !== facts.region)
    refuse(`provider "aws" region is ${JSON.stringify(provider.region)}; ${facts.stack} is in ${facts.region}`);
  if (JSON.stringify(provider.allowed_account_ids) !== JSON.stringify([facts.accountId])) {
    refuse(
      `provider "aws" allowed_account_ids is ${JSON.stringify(provider.allowed_account_ids ?? null)}; ` +
        `${facts.stack} must allow exactly its account ["${facts.accountId}"]`,
    );
  }
}

function checkBackend(settings: Json[], facts: ConfigCheckFacts, refuse: (message: string) => void): void {
  const backends = settings.flatMap((setting) => bodies(setting.backend));
  const types = backends.flatMap(keysOf);
  if (types.length !== 1 || types[0] !== "s3") {
    refuse(`terraform.backend must be exactly one s3 backend (found ${types.length === 0 ? "none" : types.join(", ")})`);
    return;
  }
  // Every body: terraform merges an array of them, so a second one could add settings.
  const s3Bodies = backends.flatMap((backend) => bodies(backend.s3));
  if (s3Bodies.length !== 1) {
    refuse(`terraform.backend.s3 must be one object (found ${s3Bodies.length})`);
    return;
  }
  const [s3] = s3Bodies;
  for (const key of keysOf(s3).filter((k) => !BACKEND_SETTINGS.includes(k))) {
    refuse(`terraform.backend.s3 sets ${key}: the server chooses the credentials; the backend may set only ${BACKEND_SETTINGS.join(", ")}`);
  }
  for (const field of ["bucket", "key", "region"] as const) {
    if (s3[field] !== facts.state[field]) {
      refuse(`terraform.backend.s3.${field} is ${JSON.stringify(s3[field])}; the state of ${facts.stack} is ${facts.state[field]}`);
    }
  }
}
