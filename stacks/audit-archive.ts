/**
 * The audit archive: every change of the archived table reaches an S3 bucket under S3 Object Lock
 * (COMPLIANCE) long before TTL removes the entry, with no application code. The path is AWS-native:
 *
 *   table --Kinesis Data Streams for DynamoDB--> Kinesis stream --Amazon Data Firehose--> S3
 *
 * chosen over DynamoDB Streams (24-hour retention, nothing buffers a broken consumer past that)
 * because the Kinesis stream keeps undelivered records for `streamRetentionHours` (up to a year)
 * and AWS publishes replication metrics for it (FailedToReplicateRecordCount,
 * AgeOfOldestUnreplicatedRecord) that the recommended-alarms page covers. docs/operations.md
 * ("Audit archive") explains cost drivers and failure modes.
 */
import { DynamodbKinesisStreamingDestination } from "@cdktf/provider-aws/lib/dynamodb-kinesis-streaming-destination";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { AlarmSettings, AuditArchiveSettings } from "../config/operations";
import { BLOCK_ALL_PUBLIC_ACCESS, tlsOnlyBucketPolicy } from "./private-bucket";
import { metricAlarm } from "./table-alarms";

/** Object keys Athena partitions on (Firehose evaluates the timestamp in UTC at arrival). */
export const ARCHIVE_PREFIX = "entries/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";
export const ARCHIVE_ERROR_PREFIX =
  "delivery-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";
/** Abandoned multipart uploads are never readable; drop their parts after a week. */
const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

export interface AuditArchiveProps {
  readonly settings: AuditArchiveSettings;
  /** The archived table's id, physical name and its name token (the token orders creation). */
  readonly tableId: string;
  readonly tableName: string;
  readonly tableNameToken: string;
  /** "opsdata_prod_": names the stream, delivery stream and role; the bucket uses it with hyphens. */
  readonly namePrefix: string;
  readonly accountId: string;
  /** The environment's key; without one the bucket uses SSE-S3 and the stream the AWS-managed Kinesis key. */
  readonly kmsKeyArn?: string;
  /** Alarm settings and SNS topics when alarms are on. */
  readonly alarms?: { readonly settings: AlarmSettings; readonly actions: readonly string[] };
}

export class AuditArchive extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: AuditArchiveProps) {
    super(scope, id);
    const { settings, kmsKeyArn } = props;
    const address = (construct: { overrideLogicalId(id: string): void }, suffix = "") =>
      construct.overrideLogicalId(`audit_archive${suffix}`);
    const name = `${props.namePrefix}${props.tableId}_archive`;

    // The bucket: Object Lock can only be switched on at creation; versioning comes with it.
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: `${props.namePrefix.replace(/_/g, "-")}${props.tableId.replace(/_/g, "-")}-archive-${props.accountId}`,
      objectLockEnabled: true,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    address(this.bucket);
    const bucket = this.bucket.id;
    address(new S3BucketVersioningA(this, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } }));
    address(
      new S3BucketObjectLockConfigurationA(this, "object-lock", {
        bucket,
        rule: { defaultRetention: { mode: "COMPLIANCE", years: settings.retentionYears } },
      }),
    );
    address(
      new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
        bucket,
        rule: [
          kmsKeyArn
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      }),
    );
    address(new S3BucketPublicAccessBlock(this, "public-access", { bucket, ...BLOCK_ALL_PUBLIC_ACCESS }));
    address(new S3BucketOwnershipControls(this, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }));
    address(new S3BucketPolicy(this, "policy", { bucket, policy: tlsOnlyBucketPolicy(this.bucket.arn) }));
    address(
      new S3BucketLifecycleConfiguration(this, "lifecycle", {
        bucket,
        rule: [
          {
            id: "cheaper-storage-as-entries-age",
            status: "Enabled",
            filter: [{ prefix: "" }],
            transition: [
              { days: settings.glacierInstantRetrievalAfterDays, storageClass: "GLACIER_IR" },
              { days: settings.deepArchiveAfterDays, storageClass: "DEEP_ARCHIVE" },
            ],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
          },
        ],
      }),
    );

    // The table's changes into a Kinesis stream (on-demand: no shards to size for write bursts).
    const stream = new KinesisStream(this, "stream", {
      name,
      retentionPeriod: settings.streamRetentionHours,
      streamModeDetails: { streamMode: "ON_DEMAND" },
      encryptionType: "KMS",
      kmsKeyId: kmsKeyArn ?? "alias/aws/kinesis",
    });
    address(stream);
    address(new DynamodbKinesisStreamingDestination(this, "destination", { tableName: props.tableNameToken, streamArn: stream.arn }));

    // Firehose reads the stream and writes gzipped JSON lines; its role can do only that.
    const role = new IamRole(this, "role", {
      name: `${name}_firehose`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "firehose.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "sts:ExternalId": props.accountId } },
          },
        ],
      }),
    });
    address(role, "_firehose");
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      name: "read-stream-write-archive",
      role: role.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadStream",
            Effect: "Allow",
            Action: ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"],
            Resource: stream.arn,
          },
          {
            Sid: "WriteArchive",
            Effect: "Allow",
            Action: ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
          },
          ...(kmsKeyArn
            ? [{ Sid: "UseEnvironmentKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn }]
            : []),
        ],
      }),
    });
    address(rolePolicy, "_firehose");

    const delivery = new KinesisFirehoseDeliveryStream(this, "delivery", {
      name,
      destination: "extended_s3",
      kinesisSourceConfiguration: { kinesisStreamArn: stream.arn, roleArn: role.arn },
      extendedS3Configuration: {
        bucketArn: this.bucket.arn,
        roleArn: role.arn,
        prefix: ARCHIVE_PREFIX,
        errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
        bufferingInterval: settings.bufferingSeconds,
        bufferingSize: settings.bufferingMiB,
        compressionFormat: "GZIP",
        fileExtension: ".json.gz",
        // One JSON record per line, so Athena's JSON SerDe reads the objects as they are.
        processingConfiguration: { enabled: true, processors: [{ type: "AppendDelimiterToRecord" }] },
      },
      // The role's permissions must exist before Firehose validates them on create.
      dependsOn: [rolePolicy],
    });
    address(delivery);

    // Dimensions name the stream and delivery stream literally (both are named `name`).
    if (props.alarms) this.addAlarms(props, name, props.alarms);

    const output = (suffix: string, value: string, description: string) =>
      new TerraformOutput(this, `audit_archive_bucket_${suffix}`, { value, description, staticId: true });
    output("name", this.bucket.bucket, `S3 bucket holding every ${props.tableId} entry under Object Lock (Athena reads entries/)`);
    output("arn", this.bucket.arn, `ARN of the ${props.tableId} archive bucket`);
  }

  /** Replication into the stream (DynamoDB side) and delivery to S3 (Firehose side). */
  private addAlarms(props: AuditArchiveProps, name: string, alarms: NonNullable<AuditArchiveProps["alarms"]>) {
    const { settings, actions } = alarms;
    // Kinesis replication metrics are per (TableName, DelegatedOperation); "PutRecords" is the value
    // DynamoDB publishes for a Kinesis destination (metrics-dimensions page). Not verifiable offline:
    // confirm the series in the CloudWatch console on the first staging apply.
    const replication = { TableName: props.tableName, DelegatedOperation: "PutRecords" };
    const first = 'First step: README "Operating the tables", audit archive.';
    metricAlarm(this, {
      address: "audit_archive_replication_failures",
      alarmName: `${props.tableName} archive replication failures`,
      description: `DynamoDB failed to put ${props.tableName} changes into Kinesis stream ${name}: those entries are not being archived. ${first}`,
      namespace: "AWS/DynamoDB",
      metricName: "FailedToReplicateRecordCount",
      dimensions: replication,
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: settings.archiveReplicationFailures.threshold,
      window: settings.archiveReplicationFailures,
      treatMissingData: "notBreaching",
      actions,
    });
    metricAlarm(this, {
      address: "audit_archive_replication_lag",
      alarmName: `${props.tableName} archive replication lag`,
      description: `Changes of ${props.tableName} wait more than ${settings.archiveReplicationLag.threshold} s to reach Kinesis stream ${name}. ${first}`,
      namespace: "AWS/DynamoDB",
      metricName: "AgeOfOldestUnreplicatedRecord",
      dimensions: replication,
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      // The metric is in milliseconds.
      threshold: settings.archiveReplicationLag.threshold * 1000,
      window: settings.archiveReplicationLag,
      treatMissingData: "notBreaching",
      actions,
    });
    metricAlarm(this, {
      address: "audit_archive_delivery_failures",
      alarmName: `${props.tableName} archive delivery failures`,
      description: `Firehose ${name} failed to write to the archive bucket; records wait in the stream for up to ${props.settings.streamRetentionHours} h, then are lost. ${first}`,
      namespace: "AWS/Firehose",
      metricName: "DeliveryToS3.Success",
      dimensions: { DeliveryStreamName: name },
      statistic: "Minimum",
      comparison: "LessThanThreshold",
      threshold: 1,
      window: settings.archiveDeliveryFailures,
      treatMissingData: "notBreaching",
      actions,
    });
    metricAlarm(this, {
      address: "audit_archive_delivery_freshness",
      alarmName: `${props.tableName} archive delivery freshness`,
      description: `The oldest record in Firehose ${name} is more than ${settings.archiveDeliveryFreshness.threshold} s old: delivery to S3 is falling behind. ${first}`,
      namespace: "AWS/Firehose",
      metricName: "DeliveryToS3.DataFreshness",
      dimensions: { DeliveryStreamName: name },
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: settings.archiveDeliveryFreshness.threshold,
      window: settings.archiveDeliveryFreshness,
      treatMissingData: "notBreaching",
      actions,
    });
  }
}
