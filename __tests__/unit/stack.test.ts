import { parse, synthEnvironment, environmentInput, type EnvironmentName } from "../helpers/synth";

/** What each shipped environment's stack must say, written out literally (not read from the config). */
const EXPECTED: Record<EnvironmentName, { backend: object; provider: object }> = {
  dev: {
    backend: {
      bucket: "opsdata-terraform-state-dev",
      key: "opsdata-infra/dynamodb/dev.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    },
    provider: {
      region: "eu-west-1",
      allowed_account_ids: ["111111111111"],
      default_tags: [{ tags: { project: "opsdata-infra", environment: "dev", "managed-by": "cdktf" } }],
    },
  },
  staging: {
    backend: {
      bucket: "opsdata-terraform-state-staging",
      key: "opsdata-infra/dynamodb/staging.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    },
    provider: {
      region: "eu-west-1",
      allowed_account_ids: ["222222222222"],
      default_tags: [{ tags: { project: "opsdata-infra", environment: "staging", "managed-by": "cdktf" } }],
    },
  },
  prod: {
    backend: {
      bucket: "opsdata-terraform-state-prod",
      key: "opsdata-infra/dynamodb/prod.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    },
    provider: {
      region: "eu-west-1",
      allowed_account_ids: ["333333333333"],
      default_tags: [{ tags: { project: "opsdata-infra", environment: "prod", "managed-by": "cdktf" } }],
    },
  },
};

/**
 * The table outputs every environment exports (other teams read them with terraform_remote_state).
 * An index may be added (the list grows); none of these names may disappear.
 */
const TABLE_OUTPUTS = {
  api_keys_table_name: { value: "${aws_dynamodb_table.api_keys.name}", description: "Name of the api_keys table" },
  api_keys_table_arn: { value: "${aws_dynamodb_table.api_keys.arn}", description: "ARN of the api_keys table" },
  api_keys_index_names: {
    value: expect.arrayContaining(["account_id-created_at-index"]),
    description: "Global secondary index names of the api_keys table",
  },
  idempotency_keys_table_name: { value: "${aws_dynamodb_table.idempotency_keys.name}", description: "Name of the idempotency_keys table" },
  idempotency_keys_table_arn: { value: "${aws_dynamodb_table.idempotency_keys.arn}", description: "ARN of the idempotency_keys table" },
  idempotency_keys_index_names: {
    value: expect.arrayContaining(["account_id-created_at-index"]),
    description: "Global secondary index names of the idempotency_keys table",
  },
  webhook_events_table_name: { value: "${aws_dynamodb_table.webhook_events.name}", description: "Name of the webhook_events table" },
  webhook_events_table_arn: { value: "${aws_dynamodb_table.webhook_events.arn}", description: "ARN of the webhook_events table" },
  webhook_events_index_names: {
    value: expect.arrayContaining(["status-next_retry_at-index"]),
    description: "Global secondary index names of the webhook_events table",
  },
  audit_logs_table_name: { value: "${aws_dynamodb_table.audit_logs.name}", description: "Name of the audit_logs table" },
  audit_logs_table_arn: { value: "${aws_dynamodb_table.audit_logs.arn}", description: "ARN of the audit_logs table" },
  audit_logs_index_names: {
    value: expect.arrayContaining(["actor_id-occurred_at_id-index"]),
    description: "Global secondary index names of the audit_logs table",
  },
  audit_logs_stream_arn: {
    value: "${aws_dynamodb_table.audit_logs.stream_arn}",
    description: "ARN of the audit_logs change stream (NEW_IMAGE)",
  },
};

describe.each(Object.keys(EXPECTED) as EnvironmentName[])("%s stack: state, provider and outputs", (environmentName) => {
  const stack = parse(synthEnvironment(environmentInput(environmentName)));

  test("GIVEN the shipped config WHEN synthesized THEN state lives in the environment's own encrypted, S3-locked object", () => {
    expect(stack.terraform.backend).toEqual({ s3: EXPECTED[environmentName].backend });
  });

  test("GIVEN the shipped config WHEN synthesized THEN one AWS provider pinned to the environment's account, region and tags", () => {
    expect(stack.provider.aws).toEqual([EXPECTED[environmentName].provider]);
  });

  test("GIVEN the shipped config WHEN synthesized THEN every table exports its name, ARN and index names under static ids", () => {
    expect(stack.output).toEqual(expect.objectContaining(TABLE_OUTPUTS));
  });

  test("GIVEN the shipped config WHEN synthesized THEN only audit_logs, the streamed table, exports a stream ARN", () => {
    expect(Object.keys(stack.output).filter((name) => name.endsWith("_stream_arn"))).toEqual(["audit_logs_stream_arn"]);
  });
});
