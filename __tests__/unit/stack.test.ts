import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ENVIRONMENT_NAMES, environmentInput, parse, synthEnvironment } from "../helpers/synth";

describe.each(ENVIRONMENT_NAMES)("%s stack: state, provider and outputs", (environmentName) => {
  const input = environmentInput(environmentName);
  const synthesized = synthEnvironment(input);
  const stack = parse(synthesized);

  test("state lives in its own encrypted, S3-locked object", () => {
    expect(stack.terraform.backend.s3).toEqual({
      bucket: input.state.bucket,
      key: input.state.key,
      region: input.state.region,
      encrypt: true,
      use_lockfile: true,
    });
    expect(input.state.key).toContain(environmentName);
  });

  test("the AWS provider is pinned to the environment's account, region and tags", () => {
    expect(synthesized).toHaveProviderWithProperties(AwsProvider, {
      region: input.aws.region,
      allowed_account_ids: [input.aws.accountId],
      default_tags: [{ tags: input.defaultTags }],
    });
  });

  test("every table exports its name, ARN and index names under static ids", () => {
    for (const table of ["api_keys", "idempotency_keys", "webhook_events", "audit_logs"]) {
      expect(stack.output[`${table}_table_name`].value).toBe(`\${aws_dynamodb_table.${table}.name}`);
      expect(stack.output[`${table}_table_arn`].value).toBe(`\${aws_dynamodb_table.${table}.arn}`);
      expect(Array.isArray(stack.output[`${table}_index_names`].value)).toBe(true);
    }
    expect(stack.output.webhook_events_index_names.value).toEqual(["status-next_retry_at-index"]);
  });

  test("only the streamed table exports a stream ARN", () => {
    const streamOutputs = Object.keys(stack.output).filter((name) => name.endsWith("_stream_arn"));
    expect(streamOutputs).toEqual(["audit_logs_stream_arn"]);
    expect(stack.output.audit_logs_stream_arn.value).toBe("${aws_dynamodb_table.audit_logs.stream_arn}");
  });
});

test("no two environments share a state object", () => {
  const objects = ENVIRONMENT_NAMES.map((name) => {
    const { bucket, key } = parse(synthEnvironment(environmentInput(name))).terraform.backend.s3;
    return `${bucket}/${key}`;
  });
  expect(new Set(objects).size).toBe(ENVIRONMENT_NAMES.length);
});
