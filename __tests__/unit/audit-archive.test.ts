/** The audit archive: audit_logs -> Kinesis Data Streams for DynamoDB -> Firehose -> S3 (Object Lock). */
import { environmentInput, parse, resourcesOf, synthEnvironment } from "../helpers/synth";

const prod = parse(synthEnvironment(environmentInput("prod")));
const staging = parse(synthEnvironment(environmentInput("staging")));
const dev = parse(synthEnvironment(environmentInput("dev")));
/** A resource as configured, without cdktf's "//" metadata. */
const withoutMetadata = (resource: Record<string, unknown>) => Object.fromEntries(Object.entries(resource).filter(([key]) => key !== "//"));
const only = (stack: typeof prod, type: string) =>
  withoutMetadata(resourcesOf(stack, type).audit_archive ?? resourcesOf(stack, type).audit_archive_firehose);

describe("the archive bucket", () => {
  test("GIVEN prod WHEN synthesized THEN the bucket has Object Lock and cannot be destroyed by Terraform", () => {
    expect(only(prod, "aws_s3_bucket")).toEqual({
      bucket: "opsdata-prod-audit-logs-archive-333333333333",
      object_lock_enabled: true,
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(only(prod, "aws_s3_bucket_versioning")).toEqual({
      bucket: "${aws_s3_bucket.audit_archive.id}",
      versioning_configuration: { status: "Enabled" },
    });
  });

  test("GIVEN prod (retentionYears 7) WHEN synthesized THEN every object is locked in COMPLIANCE mode for 7 years", () => {
    expect(only(prod, "aws_s3_bucket_object_lock_configuration")).toEqual({
      bucket: "${aws_s3_bucket.audit_archive.id}",
      rule: { default_retention: { mode: "COMPLIANCE", years: 7 } },
    });
  });

  test("GIVEN prod's table key WHEN synthesized THEN the bucket encrypts with it (SSE-KMS, bucket key)", () => {
    expect(only(prod, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.dynamodb_tables.arn}" },
        bucket_key_enabled: true,
      },
    ]);
  });

  test("GIVEN staging without a table key WHEN synthesized THEN the bucket uses SSE-S3 and the stream the AWS-managed Kinesis key", () => {
    expect(only(staging, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
    expect(only(staging, "aws_kinesis_stream").kms_key_id).toBe("alias/aws/kinesis");
    expect(only(staging, "aws_s3_bucket_object_lock_configuration").rule).toEqual({ default_retention: { mode: "COMPLIANCE", years: 1 } });
  });

  test("GIVEN prod WHEN synthesized THEN public access is blocked, ACLs are off and non-TLS requests are denied", () => {
    expect(only(prod, "aws_s3_bucket_public_access_block")).toEqual({
      bucket: "${aws_s3_bucket.audit_archive.id}",
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(only(prod, "aws_s3_bucket_ownership_controls").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    expect(JSON.parse(String(only(prod, "aws_s3_bucket_policy").policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["${aws_s3_bucket.audit_archive.arn}", "${aws_s3_bucket.audit_archive.arn}/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  test("GIVEN prod WHEN synthesized THEN objects move to Glacier Instant Retrieval at 90 days and Deep Archive at 730", () => {
    expect(only(prod, "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      {
        id: "cheaper-storage-as-entries-age",
        status: "Enabled",
        filter: [{ prefix: "" }],
        transition: [
          { days: 90, storage_class: "GLACIER_IR" },
          { days: 730, storage_class: "DEEP_ARCHIVE" },
        ],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
  });
});

describe("the delivery path", () => {
  test("GIVEN prod WHEN synthesized THEN audit_logs streams into an on-demand Kinesis stream that keeps records 7 days", () => {
    expect(only(prod, "aws_kinesis_stream")).toEqual({
      name: "opsdata_prod_audit_logs_archive",
      retention_period: 168,
      stream_mode_details: { stream_mode: "ON_DEMAND" },
      encryption_type: "KMS",
      kms_key_id: "${aws_kms_key.dynamodb_tables.arn}",
    });
    expect(only(prod, "aws_dynamodb_kinesis_streaming_destination")).toEqual({
      table_name: "${aws_dynamodb_table.audit_logs.name}",
      stream_arn: "${aws_kinesis_stream.audit_archive.arn}",
    });
  });

  test("GIVEN prod WHEN synthesized THEN Firehose writes gzipped JSON lines under date partitions", () => {
    expect(only(prod, "aws_kinesis_firehose_delivery_stream")).toEqual({
      name: "opsdata_prod_audit_logs_archive",
      destination: "extended_s3",
      depends_on: ["aws_iam_role_policy.audit_archive_firehose"],
      kinesis_source_configuration: {
        kinesis_stream_arn: "${aws_kinesis_stream.audit_archive.arn}",
        role_arn: "${aws_iam_role.audit_archive_firehose.arn}",
      },
      extended_s3_configuration: {
        bucket_arn: "${aws_s3_bucket.audit_archive.arn}",
        role_arn: "${aws_iam_role.audit_archive_firehose.arn}",
        prefix: "entries/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/",
        error_output_prefix:
          "delivery-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/",
        buffering_interval: 300,
        buffering_size: 64,
        compression_format: "GZIP",
        file_extension: ".json.gz",
        processing_configuration: { enabled: true, processors: [{ type: "AppendDelimiterToRecord" }] },
      },
    });
  });

  test("GIVEN prod WHEN synthesized THEN Firehose's role is assumable only by Firehose for this account and may only read the stream and write the bucket", () => {
    expect(JSON.parse(String(only(prod, "aws_iam_role").assume_role_policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "firehose.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": "333333333333" } },
        },
      ],
    });
    expect(JSON.parse(String(only(prod, "aws_iam_role_policy").policy)).Statement).toEqual([
      {
        Sid: "ReadStream",
        Effect: "Allow",
        Action: ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"],
        Resource: "${aws_kinesis_stream.audit_archive.arn}",
      },
      {
        Sid: "WriteArchive",
        Effect: "Allow",
        Action: ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
        Resource: ["${aws_s3_bucket.audit_archive.arn}", "${aws_s3_bucket.audit_archive.arn}/*"],
      },
      {
        Sid: "UseEnvironmentKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "${aws_kms_key.dynamodb_tables.arn}",
      },
    ]);
  });

  test("GIVEN prod WHEN synthesized THEN the bucket's name and ARN are outputs", () => {
    expect(prod.output.audit_archive_bucket_name.value).toBe("${aws_s3_bucket.audit_archive.bucket}");
    expect(prod.output.audit_archive_bucket_arn.value).toBe("${aws_s3_bucket.audit_archive.arn}");
  });

  test("GIVEN dev (archive off by default) WHEN synthesized THEN nothing of the archive exists", () => {
    expect(resourcesOf(dev, "aws_s3_bucket")).toEqual({});
    expect(resourcesOf(dev, "aws_kinesis_stream")).toEqual({});
    expect(dev.output.audit_archive_bucket_name).toBeUndefined();
  });
});
