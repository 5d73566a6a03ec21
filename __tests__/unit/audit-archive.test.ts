/**
 * The audit archive: audit_logs -> Kinesis Data Streams for DynamoDB -> Firehose -> landing bucket
 * -> S3 Replication -> bucket with Object Lock; and who may write, delete, unlock or reconfigure it.
 */
import { isDenied } from "../helpers/bucket-policy";
import { environmentInput, parse, resourcesOf, synthEnvironment } from "../helpers/synth";

const prod = parse(synthEnvironment(environmentInput("prod")));
const staging = parse(synthEnvironment(environmentInput("staging")));
const dev = parse(synthEnvironment(environmentInput("dev")));
/** A resource as configured, without cdktf's "//" metadata. */
const withoutMetadata = (resource: Record<string, unknown>) => Object.fromEntries(Object.entries(resource).filter(([key]) => key !== "//"));
const resource = (stack: typeof prod, type: string, address = "audit_archive") => withoutMetadata(resourcesOf(stack, type)[address]);
const PROTECTED = { prevent_destroy: true };

const LOCKED = "${aws_s3_bucket.audit_archive.arn}";
const LANDING = "${aws_s3_bucket.audit_archive_landing.arn}";
const ROLES = {
  replication: "${aws_iam_role.audit_archive_replication.arn}",
  firehose: "${aws_iam_role.audit_archive_firehose.arn}",
  breakGlass: "arn:aws:iam::333333333333:role/opsdata-audit-break-glass",
  deploy: "arn:aws:iam::333333333333:role/opsdata-deploy",
  admin: "arn:aws:iam::333333333333:role/AdministratorAccess",
};

describe("the locked archive bucket", () => {
  test("GIVEN prod WHEN synthesized THEN the bucket has Object Lock and cannot be destroyed by Terraform", () => {
    expect(resource(prod, "aws_s3_bucket")).toEqual({
      bucket: "opsdata-prod-audit-logs-archive-333333333333",
      object_lock_enabled: true,
      force_destroy: false,
      lifecycle: PROTECTED,
    });
    expect(resource(prod, "aws_s3_bucket_versioning")).toEqual({
      bucket: "${aws_s3_bucket.audit_archive.id}",
      versioning_configuration: { status: "Enabled" },
      lifecycle: PROTECTED,
    });
  });

  test("GIVEN prod (retentionYears 7) WHEN synthesized THEN every object is locked in COMPLIANCE mode for 7 years", () => {
    expect(resource(prod, "aws_s3_bucket_object_lock_configuration")).toEqual({
      bucket: "${aws_s3_bucket.audit_archive.id}",
      rule: { default_retention: { mode: "COMPLIANCE", years: 7 } },
      lifecycle: PROTECTED,
    });
  });

  test("GIVEN prod WHEN synthesized THEN both buckets use SSE-S3 (no key whose deletion could make the archive unreadable)", () => {
    for (const address of ["audit_archive", "audit_archive_landing"]) {
      expect(resource(prod, "aws_s3_bucket_server_side_encryption_configuration", address).rule).toEqual([
        { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
      ]);
    }
  });

  test("GIVEN prod (7 years) and staging (1 year) WHEN synthesized THEN objects expire one day after the longest retention, and move to colder storage first", () => {
    expect(resource(prod, "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      {
        id: "cheaper-storage-as-entries-age",
        status: "Enabled",
        filter: [{ prefix: "" }],
        transition: [
          { days: 90, storage_class: "GLACIER_IR" },
          { days: 730, storage_class: "DEEP_ARCHIVE" },
        ],
        // 7 x 365 + 2 leap days + 1
        expiration: [{ days: 2558 }],
        noncurrent_version_expiration: [{ noncurrent_days: 1 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
    // 365 + 1 leap day + 1
    expect(resource(staging, "aws_s3_bucket_lifecycle_configuration").rule).toMatchObject([{ expiration: [{ days: 367 }] }]);
  });

  test("GIVEN prod WHEN synthesized THEN public access is blocked and ACLs are off on both buckets", () => {
    for (const address of ["audit_archive", "audit_archive_landing"]) {
      expect(resource(prod, "aws_s3_bucket_public_access_block", address)).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(resource(prod, "aws_s3_bucket_ownership_controls", address).rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    }
  });
});

describe("the bucket policies", () => {
  const policyOf = (address: string) => JSON.parse(String(resource(prod, "aws_s3_bucket_policy", address).policy));
  const locked = policyOf("audit_archive");
  const landing = policyOf("audit_archive_landing");

  test("GIVEN prod WHEN synthesized THEN the locked bucket's policy is exactly these statements", () => {
    expect(locked).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [LOCKED, `${LOCKED}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyObjectWritesExceptReplication",
          Effect: "Deny",
          Principal: "*",
          Action: ["s3:PutObject", "s3:PutObjectTagging", "s3:ReplicateObject", "s3:ReplicateTags"],
          Resource: [`${LOCKED}/*`],
          Condition: { ArnNotEquals: { "aws:PrincipalArn": ROLES.replication } },
        },
        {
          Sid: "DenyWeakeningExceptBreakGlass",
          Effect: "Deny",
          Principal: "*",
          Action: [
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:ReplicateDelete",
            "s3:PutObjectRetention",
            "s3:BypassGovernanceRetention",
            "s3:PutObjectLegalHold",
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutLifecycleConfiguration",
            "s3:PutBucketVersioning",
            "s3:PutEncryptionConfiguration",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketOwnershipControls",
            "s3:PutReplicationConfiguration",
            "s3:PutBucketPolicy",
            "s3:DeleteBucketPolicy",
            "s3:DeleteBucket",
          ],
          Resource: [LOCKED, `${LOCKED}/*`],
          Condition: { ArnNotEquals: { "aws:PrincipalArn": ROLES.breakGlass } },
        },
      ],
    });
  });

  test("GIVEN prod WHEN synthesized THEN the landing bucket's policy is exactly these statements", () => {
    expect(landing.Statement.map((statement: { Sid: string }) => statement.Sid)).toEqual([
      "DenyInsecureTransport",
      "DenyObjectWritesExceptDelivery",
      "DenyWeakeningExceptBreakGlass",
    ]);
    expect(landing.Statement[1]).toEqual({
      Sid: "DenyObjectWritesExceptDelivery",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject", "s3:PutObjectTagging", "s3:ReplicateObject", "s3:ReplicateTags"],
      Resource: [`${LANDING}/*`],
      Condition: { ArnNotEquals: { "aws:PrincipalArn": ROLES.firehose } },
    });
    expect(landing.Statement[2]).toEqual({
      Sid: "DenyWeakeningExceptBreakGlass",
      Effect: "Deny",
      Principal: "*",
      Action: [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutReplicationConfiguration",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:DeleteBucket",
      ],
      Resource: [LANDING, `${LANDING}/*`],
      Condition: { ArnNotEquals: { "aws:PrincipalArn": ROLES.breakGlass } },
    });
  });

  const WRITES = ["s3:PutObject", "s3:ReplicateObject", "s3:PutObjectTagging", "s3:ReplicateTags"];
  const everyoneBut = (allowed: string) => Object.values(ROLES).filter((role) => role !== allowed);

  test("GIVEN the locked bucket WHEN anyone but S3 Replication's role writes an object THEN the policy denies it", () => {
    for (const action of WRITES) {
      for (const principalArn of everyoneBut(ROLES.replication)) {
        expect([principalArn, action, isDenied(locked, { principalArn, action, resource: `${LOCKED}/entries/forged.json.gz` })]).toEqual([
          principalArn,
          action,
          true,
        ]);
      }
    }
    expect(
      isDenied(locked, { principalArn: ROLES.replication, action: "s3:ReplicateObject", resource: `${LOCKED}/entries/x.json.gz` }),
    ).toBe(false);
  });

  test("GIVEN the landing bucket WHEN anyone but Firehose's role writes an object THEN the policy denies it", () => {
    for (const principalArn of everyoneBut(ROLES.firehose)) {
      expect(isDenied(landing, { principalArn, action: "s3:PutObject", resource: `${LANDING}/entries/forged.json.gz` })).toBe(true);
    }
    expect(isDenied(landing, { principalArn: ROLES.firehose, action: "s3:PutObject", resource: `${LANDING}/entries/x.json.gz` })).toBe(
      false,
    );
  });

  /** Deleting, hiding (delete markers), unlocking, shortening or re-keying the archive. */
  const WEAKENING: Array<[string, string]> = [
    ["s3:DeleteObject", `${LOCKED}/entries/x.json.gz`],
    ["s3:DeleteObjectVersion", `${LOCKED}/entries/x.json.gz`],
    ["s3:PutObjectRetention", `${LOCKED}/entries/x.json.gz`],
    ["s3:BypassGovernanceRetention", `${LOCKED}/entries/x.json.gz`],
    ["s3:PutBucketObjectLockConfiguration", LOCKED],
    ["s3:PutLifecycleConfiguration", LOCKED],
    ["s3:PutBucketPolicy", LOCKED],
    ["s3:DeleteBucketPolicy", LOCKED],
    ["s3:PutBucketVersioning", LOCKED],
    ["s3:PutEncryptionConfiguration", LOCKED],
    ["s3:PutReplicationConfiguration", LOCKED],
    ["s3:DeleteBucket", LOCKED],
  ];

  test.each(WEAKENING)(
    "GIVEN the locked bucket WHEN any principal but break-glass calls %s THEN the policy denies it",
    (action, target) => {
      for (const principalArn of everyoneBut(ROLES.breakGlass)) {
        expect([principalArn, isDenied(locked, { principalArn, action, resource: target })]).toEqual([principalArn, true]);
      }
      expect(isDenied(locked, { principalArn: ROLES.breakGlass, action, resource: target })).toBe(false);
    },
  );

  test("GIVEN the landing bucket WHEN anyone but break-glass deletes an entry before it is copied, or stops replication, THEN the policy denies it", () => {
    for (const principalArn of everyoneBut(ROLES.breakGlass)) {
      for (const [action, target] of [
        ["s3:DeleteObject", `${LANDING}/entries/x.json.gz`],
        ["s3:DeleteObjectVersion", `${LANDING}/entries/x.json.gz`],
        ["s3:PutReplicationConfiguration", LANDING],
        ["s3:PutLifecycleConfiguration", LANDING],
        ["s3:PutBucketPolicy", LANDING],
      ]) {
        expect(isDenied(landing, { principalArn, action, resource: target })).toBe(true);
      }
    }
  });

  test("GIVEN either bucket WHEN a request is not made over TLS THEN it is denied, even for break-glass", () => {
    expect(
      isDenied(locked, { principalArn: ROLES.breakGlass, action: "s3:GetObject", resource: `${LOCKED}/x`, secureTransport: false }),
    ).toBe(true);
    expect(
      isDenied(landing, { principalArn: ROLES.firehose, action: "s3:PutObject", resource: `${LANDING}/x`, secureTransport: false }),
    ).toBe(true);
  });

  test("GIVEN the policies WHEN applied THEN Terraform applies them after the configuration they protect", () => {
    expect(resource(prod, "aws_s3_bucket_policy").depends_on).toEqual([
      "aws_s3_bucket_versioning.audit_archive",
      "aws_s3_bucket_server_side_encryption_configuration.audit_archive",
      "aws_s3_bucket_public_access_block.audit_archive",
      "aws_s3_bucket_ownership_controls.audit_archive",
      "aws_s3_bucket_object_lock_configuration.audit_archive",
      "aws_s3_bucket_lifecycle_configuration.audit_archive",
    ]);
    expect(resource(prod, "aws_s3_bucket_policy", "audit_archive_landing").depends_on).toEqual([
      "aws_s3_bucket_versioning.audit_archive_landing",
      "aws_s3_bucket_server_side_encryption_configuration.audit_archive_landing",
      "aws_s3_bucket_public_access_block.audit_archive_landing",
      "aws_s3_bucket_ownership_controls.audit_archive_landing",
      "aws_s3_bucket_lifecycle_configuration.audit_archive_landing",
      "aws_s3_bucket_replication_configuration.audit_archive_landing",
    ]);
  });
});

describe("the delivery path", () => {
  test("GIVEN prod WHEN synthesized THEN audit_logs streams, at millisecond precision, into an on-demand Kinesis stream that keeps records 7 days", () => {
    expect(resource(prod, "aws_kinesis_stream")).toEqual({
      name: "opsdata_prod_audit_logs_archive",
      retention_period: 168,
      stream_mode_details: { stream_mode: "ON_DEMAND" },
      encryption_type: "KMS",
      kms_key_id: "${aws_kms_key.dynamodb_tables.arn}",
      lifecycle: PROTECTED,
    });
    expect(resource(prod, "aws_dynamodb_kinesis_streaming_destination")).toEqual({
      table_name: "${aws_dynamodb_table.audit_logs.name}",
      stream_arn: "${aws_kinesis_stream.audit_archive.arn}",
      approximate_creation_date_time_precision: "MILLISECOND",
      lifecycle: PROTECTED,
    });
    expect(resource(staging, "aws_kinesis_stream").kms_key_id).toBe("alias/aws/kinesis");
  });

  test("GIVEN prod WHEN synthesized THEN Firehose writes gzipped JSON lines into the landing bucket and logs its errors", () => {
    expect(resource(prod, "aws_kinesis_firehose_delivery_stream")).toEqual({
      name: "opsdata_prod_audit_logs_archive",
      destination: "extended_s3",
      depends_on: ["aws_iam_role_policy.audit_archive_firehose"],
      kinesis_source_configuration: {
        kinesis_stream_arn: "${aws_kinesis_stream.audit_archive.arn}",
        role_arn: ROLES.firehose,
      },
      extended_s3_configuration: {
        bucket_arn: LANDING,
        role_arn: ROLES.firehose,
        prefix: "entries/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/",
        error_output_prefix:
          "delivery-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/",
        buffering_interval: 300,
        buffering_size: 64,
        compression_format: "GZIP",
        file_extension: ".json.gz",
        processing_configuration: { enabled: true, processors: [{ type: "AppendDelimiterToRecord" }] },
        cloudwatch_logging_options: {
          enabled: true,
          log_group_name: "${aws_cloudwatch_log_group.audit_archive_firehose.name}",
          log_stream_name: "DestinationDelivery",
        },
      },
      lifecycle: PROTECTED,
    });
    expect(resource(prod, "aws_cloudwatch_log_group", "audit_archive_firehose")).toEqual({
      name: "/aws/kinesisfirehose/opsdata_prod_audit_logs_archive",
      retention_in_days: 90,
      lifecycle: PROTECTED,
    });
  });

  test("GIVEN prod WHEN synthesized THEN S3 Replication copies every landed object into the locked bucket, never deletes", () => {
    expect(resource(prod, "aws_s3_bucket_replication_configuration", "audit_archive_landing")).toEqual({
      bucket: "${aws_s3_bucket.audit_archive_landing.id}",
      role: ROLES.replication,
      rule: [
        {
          id: "into-locked-archive",
          status: "Enabled",
          filter: { prefix: "" },
          delete_marker_replication: { status: "Disabled" },
          destination: { bucket: LOCKED, storage_class: "STANDARD", metrics: { status: "Enabled" } },
        },
      ],
      depends_on: [
        "aws_s3_bucket_versioning.audit_archive_landing",
        "aws_s3_bucket_versioning.audit_archive",
        "aws_iam_role_policy.audit_archive_replication",
      ],
      lifecycle: PROTECTED,
    });
    expect(resource(prod, "aws_s3_bucket", "audit_archive_landing")).toEqual({
      bucket: "opsdata-prod-audit-logs-archive-landing-333333333333",
      force_destroy: false,
      lifecycle: PROTECTED,
    });
    expect(resource(prod, "aws_s3_bucket_lifecycle_configuration", "audit_archive_landing").rule).toEqual([
      {
        id: "drop-copies-after-replication",
        status: "Enabled",
        filter: [{ prefix: "" }],
        expiration: [{ days: 30 }],
        noncurrent_version_expiration: [{ noncurrent_days: 1 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
  });

  test("GIVEN prod WHEN synthesized THEN Firehose's role may only read the stream, write the landing bucket and log errors", () => {
    expect(JSON.parse(String(resource(prod, "aws_iam_role", "audit_archive_firehose").assume_role_policy)).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "firehose.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": "333333333333" } },
      },
    ]);
    expect(JSON.parse(String(resource(prod, "aws_iam_role_policy", "audit_archive_firehose").policy)).Statement).toEqual([
      {
        Sid: "ReadStream",
        Effect: "Allow",
        Action: ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"],
        Resource: "${aws_kinesis_stream.audit_archive.arn}",
      },
      {
        Sid: "WriteLanding",
        Effect: "Allow",
        Action: ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
        Resource: [LANDING, `${LANDING}/*`],
      },
      {
        Sid: "LogDeliveryErrors",
        Effect: "Allow",
        Action: ["logs:PutLogEvents"],
        Resource: "${aws_cloudwatch_log_group.audit_archive_firehose.arn}:log-stream:*",
      },
      { Sid: "DecryptStream", Effect: "Allow", Action: ["kms:Decrypt"], Resource: "${aws_kms_key.dynamodb_tables.arn}" },
    ]);
  });

  test("GIVEN prod WHEN synthesized THEN S3 Replication's role reads the landing bucket (with Object Lock's two read permissions) and only replicates into the archive", () => {
    expect(JSON.parse(String(resource(prod, "aws_iam_role", "audit_archive_replication").assume_role_policy)).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(JSON.parse(String(resource(prod, "aws_iam_role_policy", "audit_archive_replication").policy)).Statement).toEqual([
      { Sid: "ReadLandingConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: LANDING },
      {
        Sid: "ReadLandingObjects",
        Effect: "Allow",
        Action: [
          "s3:GetObjectVersionForReplication",
          "s3:GetObjectVersionAcl",
          "s3:GetObjectVersionTagging",
          "s3:GetObjectRetention",
          "s3:GetObjectLegalHold",
        ],
        Resource: `${LANDING}/*`,
      },
      { Sid: "ReplicateIntoArchive", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: `${LOCKED}/*` },
    ]);
  });

  test("GIVEN prod WHEN synthesized THEN every resource of the archive path has prevent_destroy", () => {
    const archivePath = Object.entries(prod.resource)
      .filter(([type]) => type !== "aws_cloudwatch_metric_alarm")
      .flatMap(([type, resources]) =>
        Object.entries(resources)
          .filter(([address]) => address.startsWith("audit_archive"))
          .map(([address, configured]) => [`${type}.${address}`, configured.lifecycle]),
      );
    expect(archivePath).toHaveLength(25);
    for (const [address, lifecycle] of archivePath) expect([address, lifecycle]).toEqual([address, PROTECTED]);
  });

  test("GIVEN prod WHEN synthesized THEN the locked bucket's name and ARN are the outputs", () => {
    expect(prod.output.audit_archive_bucket_name.value).toBe("${aws_s3_bucket.audit_archive.bucket}");
    expect(prod.output.audit_archive_bucket_arn.value).toBe(LOCKED);
  });

  test("GIVEN dev (archive off by default) WHEN synthesized THEN nothing of the archive exists", () => {
    expect(resourcesOf(dev, "aws_s3_bucket")).toEqual({});
    expect(resourcesOf(dev, "aws_kinesis_stream")).toEqual({});
    expect(dev.output.audit_archive_bucket_name).toBeUndefined();
  });
});
