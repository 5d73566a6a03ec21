import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { validateEnvironments } from "../../config/validate";
import { StateBucketStack } from "../../stacks/state-bucket-stack";
import { environmentInput, parse, synthEnvironment } from "../helpers/synth";

describe("adopting tables that already exist", () => {
  test("adoptExisting emits import blocks for the table and, when asked, its scalable targets", () => {
    const input = environmentInput("staging");
    // Only the tables adopted here (the shipped config may be adopting another: docs/recipes.md).
    for (const settings of Object.values(input.tables)) delete settings.adoptExisting;
    input.tables.api_keys.adoptExisting = { autoscalingTargets: true };
    input.tables.audit_logs.adoptExisting = {};
    const imports = parse(synthEnvironment(input)).import ?? [];
    expect(imports).toEqual(
      expect.arrayContaining([
        { to: "aws_dynamodb_table.api_keys", id: "opsdata_staging_api_keys" },
        { to: "aws_appautoscaling_target.api_keys_read", id: "dynamodb/table/opsdata_staging_api_keys/dynamodb:table:ReadCapacityUnits" },
        { to: "aws_appautoscaling_target.api_keys_write", id: "dynamodb/table/opsdata_staging_api_keys/dynamodb:table:WriteCapacityUnits" },
        {
          to: "aws_appautoscaling_target.api_keys_account_id-created_at-index_read",
          id: "dynamodb/table/opsdata_staging_api_keys/index/account_id-created_at-index/dynamodb:index:ReadCapacityUnits",
        },
        {
          to: "aws_appautoscaling_target.api_keys_account_id-created_at-index_write",
          id: "dynamodb/table/opsdata_staging_api_keys/index/account_id-created_at-index/dynamodb:index:WriteCapacityUnits",
        },
        { to: "aws_dynamodb_table.audit_logs", id: "opsdata_staging_audit_logs" },
      ]),
    );
    expect(imports).toHaveLength(6);
  });

  test("without adoptExisting nothing is imported", () => {
    expect(parse(synthEnvironment(environmentInput("prod"))).import).toBeUndefined();
  });
});

describe("state bucket bootstrap stack", () => {
  const [environment] = validateEnvironments([{ ...environmentInput("dev"), createStateBucket: true }]);
  const synthesized = Testing.synth(new StateBucketStack(Testing.app(), environment));
  const stack = parse(synthesized);

  test("keeps its own state locally and creates the environment's state bucket", () => {
    expect(stack.terraform.backend).toEqual({ local: { path: "state-bucket-dev.tfstate" } });
    expect(stack.resource.aws_s3_bucket.state).toEqual(
      expect.objectContaining({ bucket: "opsdata-terraform-state-dev", lifecycle: { prevent_destroy: true } }),
    );
  });

  test("versioned, encrypted by default, fully private", () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" }, bucket_key_enabled: true }],
    });
    expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test("the bucket policy denies every request that is not TLS", () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketPolicy, { bucket: "${aws_s3_bucket.state.id}" });
    const policy = JSON.parse(String(stack.resource.aws_s3_bucket_policy.state.policy));
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    ]);
  });
});
