/**
 * The state contract, with the real terraform binary: each environment's synthesized S3 backend
 * holds its outputs, an HCL team reads them with terraform_remote_state, environments never share
 * a state object, and our stacks read other teams' state the same way.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ENVIRONMENT_NAMES,
  environmentInput,
  parse,
  synthEnvironment,
  type EnvironmentName,
  type SynthesizedStack,
} from "../helpers/synth";
import {
  backendOverrides,
  describeWithTerraform,
  outputs,
  remoteStateOverrides,
  startS3Server,
  terraform,
  workspace,
  type S3Server,
} from "./support/terraform";

const CONSUMER_FIXTURE = join(__dirname, "../fixtures/hcl-consumer");
const PLATFORM_STATE = { bucket: "platform-team-state", key: "platform/kms.tfstate", region: "eu-west-1" };
const PLATFORM_KMS_ARN = "arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-555555555555";

/** What the outputs hold after a real apply, standing in for the AWS-computed attributes. */
function appliedOutputValues(environment: EnvironmentName, stack: SynthesizedStack): Record<string, { value: unknown }> {
  const input = environmentInput(environment);
  const arn = (table: string) => `arn:aws:dynamodb:${input.aws.region}:${input.aws.accountId}:table/${input.tableNamePrefix}${table}`;
  const hyphenated = input.tableNamePrefix.replace(/_/g, "-");
  const archiveBucket = `${hyphenated}audit-logs-archive-${input.aws.accountId}`;
  const operations: Record<string, unknown> = {
    alarm_topic_arn: `arn:aws:sns:${input.aws.region}:${input.aws.accountId}:${hyphenated}alarms`,
    audit_archive_bucket_name: archiveBucket,
    audit_archive_bucket_arn: `arn:aws:s3:::${archiveBucket}`,
  };
  return Object.fromEntries(
    Object.entries(stack.output).map(([name, { value }]) => {
      if (name in operations) return [name, { value: operations[name] }];
      const [, table, attribute] = /^(.+)_(table_name|table_arn|stream_arn|index_names)$/.exec(name) ?? [];
      const values: Record<string, unknown> = {
        table_name: `${input.tableNamePrefix}${table}`,
        table_arn: arn(table),
        stream_arn: `${arn(table)}/stream/2026-11-25T00:00:00.000`,
        index_names: value,
      };
      return [name, { value: values[attribute] }];
    }),
  );
}

describeWithTerraform("terraform state shared with HCL teams", () => {
  let s3: S3Server;
  const scratch: string[] = [];
  const stacks = {} as Record<EnvironmentName, SynthesizedStack>;
  const track = (directory: string) => (scratch.push(directory), directory);

  beforeAll(async () => {
    for (const name of ENVIRONMENT_NAMES) stacks[name] = parse(synthEnvironment(environmentInput(name)));
    const buckets = new Set([...ENVIRONMENT_NAMES.map((name) => String(stacks[name].terraform.backend.s3.bucket)), PLATFORM_STATE.bucket]);
    s3 = await startS3Server([...buckets]);
    track(s3.directory);

    // Each environment: init its synthesized backend, then write its outputs into its state.
    for (const name of ENVIRONMENT_NAMES) {
      const directory = track(
        workspace({ terraform: { backend: { s3: stacks[name].terraform.backend.s3 } }, output: appliedOutputValues(name, stacks[name]) }),
      );
      writeFileSync(join(directory, "backend.local.hcl"), backendOverrides(s3.endpoint));
      await terraform(directory, ["init", "-backend-config=backend.local.hcl"]);
      await terraform(directory, ["apply", "-auto-approve"]);
    }
  });

  afterAll(async () => {
    await s3?.close();
    for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
  });

  test.each(ENVIRONMENT_NAMES)("%s: the state object sits at the synthesized bucket/key, written through the S3 backend", (name) => {
    const { bucket, key } = stacks[name].terraform.backend.s3 as { bucket: string; key: string };
    const objects = readdirSync(join(s3.directory, bucket), { recursive: true }).map(String);
    expect(objects.some((object) => object.startsWith(`${key}._S3rver_object`))).toBe(true);
  });

  test.each(ENVIRONMENT_NAMES)("%s: an HCL consumer reads the outputs with terraform_remote_state", async (name) => {
    const { bucket, key, region } = stacks[name].terraform.backend.s3 as Record<string, string>;
    const directory = track(workspace(undefined, CONSUMER_FIXTURE));
    await terraform(directory, ["init"]);
    await terraform(directory, [
      "apply",
      "-auto-approve",
      `-var=state_bucket=${bucket}`,
      `-var=state_key=${key}`,
      `-var=state_region=${region}`,
      `-var=s3_endpoint=${s3.endpoint}`,
    ]);
    const prefix = environmentInput(name).tableNamePrefix;
    expect(await outputs(directory)).toEqual({
      api_keys_table_name: `${prefix}api_keys`,
      api_keys_table_arn: `arn:aws:dynamodb:${environmentInput(name).aws.region}:${environmentInput(name).aws.accountId}:table/${prefix}api_keys`,
      webhook_events_index_names: ["status-next_retry_at-index"],
      audit_logs_stream_arn: expect.stringMatching(new RegExp(`table/${prefix}audit_logs/stream/`)),
    });
  });

  test("environments never share a state object", () => {
    const objects = ENVIRONMENT_NAMES.map((name) => {
      const { bucket, key } = stacks[name].terraform.backend.s3;
      return `${bucket}/${key}`;
    });
    expect(new Set(objects).size).toBe(ENVIRONMENT_NAMES.length);
    // Written in order dev, staging, prod: had they shared an object, dev would read prod's names
    // (the consumer test above reads each environment's own prefix back).
    for (const name of ENVIRONMENT_NAMES) {
      const { bucket, key } = stacks[name].terraform.backend.s3 as { bucket: string; key: string };
      expect(existsSync(join(s3.directory, bucket))).toBe(true);
      expect(objects.filter((object) => object === `${bucket}/${key}`)).toHaveLength(1);
    }
  });

  test("a stack reads another team's output (KMS key ARN) through its synthesized terraform_remote_state", async () => {
    const platform = track(
      workspace({
        terraform: { backend: { s3: PLATFORM_STATE } },
        output: { dynamodb_kms_key_arn: { value: PLATFORM_KMS_ARN } },
      }),
    );
    writeFileSync(join(platform, "backend.local.hcl"), backendOverrides(s3.endpoint));
    await terraform(platform, ["init", "-backend-config=backend.local.hcl"]);
    await terraform(platform, ["apply", "-auto-approve"]);

    const input = environmentInput("staging");
    input.remoteStates = { platform: PLATFORM_STATE };
    input.protection = { ...input.protection, kmsKey: { remoteState: "platform", output: "dynamodb_kms_key_arn" } };
    const stack = parse(synthEnvironment(input));
    const dataSource = stack.data!.terraform_remote_state.platform as { backend: string; config: Record<string, unknown> };
    const tableKey = (stack.resource.aws_dynamodb_table.api_keys.server_side_encryption as { kms_key_arn: string }).kms_key_arn;

    // Only the data source and the table's key expression: the rest needs the AWS provider.
    const reader = track(
      workspace({
        data: {
          terraform_remote_state: { platform: { ...dataSource, config: { ...dataSource.config, ...remoteStateOverrides(s3.endpoint) } } },
        },
        output: { api_keys_kms_key_arn: { value: tableKey } },
      }),
    );
    await terraform(reader, ["init"]);
    await terraform(reader, ["apply", "-auto-approve"]);
    expect(await outputs(reader)).toEqual({ api_keys_kms_key_arn: PLATFORM_KMS_ARN });
  });
});
