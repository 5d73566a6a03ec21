import { DynamodbResourcePolicy } from "@cdktf/provider-aws/lib/dynamodb-resource-policy";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { environmentInput, parse, resourcesOf, synthEnvironment } from "../helpers/synth";

describe("protection by environment", () => {
  test("prod: PITR 35 days, deletion protection, prevent_destroy, rotating customer-managed key", () => {
    const synthesized = synthEnvironment(environmentInput("prod"));
    expect(synthesized).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    for (const id of ["api_keys", "idempotency_keys", "webhook_events", "audit_logs"]) {
      expect(synthesized).toHaveResourceWithProperties(DynamodbTable, {
        name: `opsdata_prod_${id}`,
        point_in_time_recovery: { enabled: true, recovery_period_in_days: 35 },
        deletion_protection_enabled: true,
        server_side_encryption: { enabled: true, kms_key_arn: "${aws_kms_key.dynamodb_tables.arn}" },
        lifecycle: expect.objectContaining({ prevent_destroy: true }),
      });
    }
  });

  test("prod: the tables' KMS key cannot be destroyed (prevent_destroy)", () => {
    const keys = resourcesOf(parse(synthEnvironment(environmentInput("prod"))), "aws_kms_key");
    // alarm_topic encrypts only the alarm notifications (issue 11); losing it loses no table data.
    expect(Object.keys(keys)).toEqual(["alarm_topic", "dynamodb_tables"]);
    expect(keys.dynamodb_tables.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("a key created in an environment without preventDestroy stays destroyable", () => {
    const input = environmentInput("staging");
    input.protection!.kmsKey = "create";
    const keys = resourcesOf(parse(synthEnvironment(input)), "aws_kms_key");
    expect(keys.dynamodb_tables.lifecycle).toEqual({ prevent_destroy: false });
  });

  test("staging: PITR with its configured window, AWS-owned key, destroyable", () => {
    const tables = resourcesOf(parse(synthEnvironment(environmentInput("staging"))), "aws_dynamodb_table");
    expect(tables.api_keys.point_in_time_recovery).toEqual({ enabled: true, recovery_period_in_days: 7 });
    expect(tables.api_keys.server_side_encryption).toBeUndefined();
    expect(tables.api_keys.deletion_protection_enabled).toBe(false);
  });

  test("dev: cheap by default (no PITR, no KMS key)", () => {
    const stack = parse(synthEnvironment(environmentInput("dev")));
    expect(resourcesOf(stack, "aws_dynamodb_table").audit_logs.point_in_time_recovery).toEqual({ enabled: false });
    expect(resourcesOf(stack, "aws_kms_key")).toEqual({});
  });

  test("a KMS key given as an ARN is used as is", () => {
    const input = environmentInput("staging");
    const arn = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    input.protection!.kmsKey = { arn };
    const stack = parse(synthEnvironment(input));
    expect(resourcesOf(stack, "aws_dynamodb_table").webhook_events.server_side_encryption).toEqual({ enabled: true, kms_key_arn: arn });
    expect(resourcesOf(stack, "aws_kms_key").dynamodb_tables).toBeUndefined();
  });

  test("a KMS key from another team's state is read with terraform_remote_state", () => {
    const input = environmentInput("staging");
    input.remoteStates = { platform: { bucket: "platform-state", key: "platform/kms.tfstate", region: "eu-west-1" } };
    input.protection!.kmsKey = { remoteState: "platform", output: "dynamodb_kms_key_arn" };
    const stack = parse(synthEnvironment(input));
    expect(stack.data?.terraform_remote_state.platform).toEqual(
      expect.objectContaining({ backend: "s3", config: { bucket: "platform-state", key: "platform/kms.tfstate", region: "eu-west-1" } }),
    );
    expect(resourcesOf(stack, "aws_dynamodb_table").api_keys.server_side_encryption).toEqual({
      enabled: true,
      kms_key_arn: "${data.terraform_remote_state.platform.outputs.dynamodb_kms_key_arn}",
    });
  });
});

describe("audit_logs is append-only, enforced by AWS", () => {
  const input = environmentInput("prod");
  const synthesized = synthEnvironment(input);

  test("a resource policy denies entry changes, TTL, PITR and policy changes to all but the break-glass role", () => {
    expect(synthesized).toHaveResourceWithProperties(DynamodbResourcePolicy, {
      resource_arn: "${aws_dynamodb_table.audit_logs.arn}",
    });
    const policy = resourcesOf(parse(synthesized), "aws_dynamodb_resource_policy").audit_logs;
    // Every denied action, literally: dropping one from the policy fails this test.
    expect(JSON.parse(String(policy.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyEntryChangesExceptBreakGlass",
          Effect: "Deny",
          Principal: "*",
          Action: [
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:PartiQLUpdate",
            "dynamodb:PartiQLDelete",
            "dynamodb:DeleteTable",
            "dynamodb:UpdateTimeToLive",
            "dynamodb:UpdateContinuousBackups",
            "dynamodb:DisableKinesisStreamingDestination",
            "dynamodb:UpdateKinesisStreamingDestination",
            "dynamodb:PutResourcePolicy",
            "dynamodb:DeleteResourcePolicy",
          ],
          Resource: "${aws_dynamodb_table.audit_logs.arn}",
          // Exactly the environment's configured role: rotating it (docs/recipes.md) is a config change.
          Condition: { ArnNotEquals: { "aws:PrincipalArn": input.auditLogBreakGlassRoleArn } },
        },
      ],
    });
  });

  test("prod: the policy cannot be destroyed (prevent_destroy)", () => {
    expect(resourcesOf(parse(synthesized), "aws_dynamodb_resource_policy").audit_logs.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("dev: the policy is destroyable with the stack", () => {
    const dev = resourcesOf(parse(synthEnvironment(environmentInput("dev"))), "aws_dynamodb_resource_policy");
    expect(dev.audit_logs.lifecycle).toEqual({ prevent_destroy: false });
  });

  test("only audit_logs gets a resource policy", () => {
    expect(Object.keys(resourcesOf(parse(synthesized), "aws_dynamodb_resource_policy"))).toEqual(["audit_logs"]);
  });
});
