/**
 * The audit archive: every change of the archived table reaches an S3 bucket under S3 Object Lock
 * (COMPLIANCE) long before TTL removes the entry, with no application code. Every step is one AWS
 * documents:
 *
 *   table --Kinesis Data Streams for DynamoDB--> Kinesis stream --Amazon Data Firehose--> landing
 *   bucket (no Object Lock) --S3 Replication--> archive bucket (Object Lock, default retention)
 *
 * Why the landing bucket: S3 rejects an upload into a bucket with a default retention unless it
 * carries Content-MD5 or an x-amz-checksum-* header, and no AWS page says Firehose sends one.
 * S3 Replication is documented to replicate into an Object Lock destination (Object Lock on the
 * destination only is a supported setup) and to apply the destination's default retention to
 * replicas of objects without their own:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-replication
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html
 * The Kinesis stream (not DynamoDB Streams, 24-hour retention) keeps undelivered records for
 * `streamRetentionHours`. docs/operations.md ("Audit archive") explains costs, failure modes and alarms.
 *
 * Encryption: both buckets use SSE-S3, decided over a dedicated KMS key: a key is one more thing
 * whose deletion, disabling or policy change makes years of COMPLIANCE data unreadable, and
 * Object Lock cannot protect a key. What SSE-KMS would add (a kms:Decrypt check on top of
 * s3:GetObject) does not outweigh that for a write-once archive; reads stay governed by IAM.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogStream } from "@cdktf/provider-aws/lib/cloudwatch-log-stream";
import { DynamodbKinesisStreamingDestination } from "@cdktf/provider-aws/lib/dynamodb-kinesis-streaming-destination";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { TerraformOutput, type TerraformResource } from "cdktf";
import { Construct } from "constructs";
import type { AlarmSettings, AuditArchiveSettings } from "../config/operations";
import { landingPolicy, lockedArchivePolicy } from "./archive-policies";
import { BLOCK_ALL_PUBLIC_ACCESS } from "./private-bucket";
import { metricAlarm, queryAlarm } from "./table-alarms";

/** Object keys Athena partitions on (Firehose evaluates the timestamp in UTC at arrival). */
export const ARCHIVE_PREFIX = "entries/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";
export const ARCHIVE_ERROR_PREFIX =
  "delivery-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";
/** Abandoned multipart uploads are never readable; drop their parts after a week. */
const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;
/** Firehose's delivery errors (CloudWatch Logs): kept long enough to investigate a weekend's failures. */
const ERROR_LOG_RETENTION_DAYS = 90;
/** The log stream Firehose writes S3 delivery errors to (the name the Firehose console uses). */
export const ERROR_LOG_STREAM = "DestinationDelivery";
/**
 * Precision of ApproximateCreationDateTime in the records DynamoDB puts into Kinesis, decided once:
 * the table policy denies UpdateKinesisStreamingDestination, and the provider replaces the
 * destination when the value changes (ForceNew in terraform-provider-aws
 * internal/service/dynamodb/kinesis_streaming_destination.go), which prevent_destroy refuses.
 * Milliseconds order entries written in the same second; AWS documents no default, so an existing
 * destination reporting another value fails the plan (nothing is replaced): set this to the value
 * `aws dynamodb describe-kinesis-streaming-destination` reports.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_EnableKinesisStreamingConfiguration.html
 */
export const CREATION_TIME_PRECISION = "MILLISECOND";

/**
 * Lifecycle expiration of the locked archive: one day after the longest retention `years` can
 * mean (Object Lock adds calendar years: at most one leap day per started four years).
 */
export const expirationDaysAfterRetention = (years: number) => years * 365 + Math.ceil(years / 4) + 1;

/** Every resource of the archive path: a plan that would destroy or replace one fails instead. */
const PROTECTED = { lifecycle: { preventDestroy: true } } as const;

export interface AuditArchiveProps {
  readonly settings: AuditArchiveSettings;
  /** The archived table's id, physical name and its name token (the token orders creation). */
  readonly tableId: string;
  readonly tableName: string;
  readonly tableNameToken: string;
  /** "opsdata_prod_": names the stream, delivery stream and roles; the buckets use it with hyphens. */
  readonly namePrefix: string;
  readonly accountId: string;
  /** The only principal the bucket policies let delete, unlock or reconfigure the archive. */
  readonly breakGlassRoleArn: string;
  /** The environment's key for the Kinesis stream; without one the stream uses the AWS-managed Kinesis key. */
  readonly kmsKeyArn?: string;
  /**
   * The permissions boundary of the archive's roles: the Atlantis apply role may only create roles
   * that carry it (stacks/atlantis-role-policies.ts). @default none (no Atlantis roles bootstrap)
   */
  readonly rolesBoundaryArn?: string;
  /** Alarm settings and SNS topics when alarms are on. */
  readonly alarms?: { readonly settings: AlarmSettings; readonly actions: readonly string[] };
}

interface ArchiveBucket {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;
  /** Its configuration resources: the bucket policy is applied after them (it denies changing them). */
  readonly configuration: TerraformResource[];
}

export class AuditArchive extends Construct {
  readonly bucket: S3Bucket;
  readonly landingBucket: S3Bucket;

  constructor(scope: Construct, id: string, props: AuditArchiveProps) {
    super(scope, id);
    const { settings, kmsKeyArn } = props;
    const name = `${props.namePrefix}${props.tableId}_archive`;
    const bucketName = `${props.namePrefix.replace(/_/g, "-")}${props.tableId.replace(/_/g, "-")}-archive`;

    // The locked bucket: Object Lock can only be switched on at creation; versioning comes with it.
    const locked = this.privateBucket("audit_archive", `${bucketName}-${props.accountId}`, true);
    this.bucket = locked.bucket;
    locked.configuration.push(
      this.address(
        new S3BucketObjectLockConfigurationA(this, "object-lock", {
          bucket: this.bucket.id,
          rule: { defaultRetention: { mode: "COMPLIANCE", years: settings.retentionYears } },
          ...PROTECTED,
        }),
        "audit_archive",
      ),
      this.lifecycle("audit_archive", this.bucket, [
        {
          id: "cheaper-storage-as-entries-age",
          status: "Enabled",
          filter: [{ prefix: "" }],
          transition: [
            { days: settings.glacierInstantRetrievalAfterDays, storageClass: "GLACIER_IR" },
            { days: settings.deepArchiveAfterDays, storageClass: "DEEP_ARCHIVE" },
          ],
          // Lifecycle cannot remove a locked version; after retention the current version gets a
          // delete marker and, a day later, is removed. Storage is not paid forever.
          expiration: [{ days: expirationDaysAfterRetention(settings.retentionYears) }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
        },
      ]),
    );

    // The landing bucket Firehose writes to: no Object Lock, so Firehose's uploads need no checksum.
    const landing = this.privateBucket("audit_archive_landing", `${bucketName}-landing-${props.accountId}`, false);
    this.landingBucket = landing.bucket;
    landing.configuration.push(
      this.lifecycle("audit_archive_landing", this.landingBucket, [
        {
          id: "drop-copies-after-replication",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: settings.landingRetentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
        },
      ]),
    );

    const stream = this.address(
      new KinesisStream(this, "stream", {
        name,
        retentionPeriod: settings.streamRetentionHours,
        streamModeDetails: { streamMode: "ON_DEMAND" },
        encryptionType: "KMS",
        kmsKeyId: kmsKeyArn ?? "alias/aws/kinesis",
        ...PROTECTED,
      }),
      "audit_archive",
    );
    this.address(
      new DynamodbKinesisStreamingDestination(this, "destination", {
        tableName: props.tableNameToken,
        streamArn: stream.arn,
        approximateCreationDateTimePrecision: CREATION_TIME_PRECISION,
        ...PROTECTED,
      }),
      "audit_archive",
    );

    // Firehose's delivery errors go to CloudWatch Logs:
    // https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-logs.html
    const logGroup = this.address(
      new CloudwatchLogGroup(this, "error-log", {
        name: `/aws/kinesisfirehose/${name}`,
        retentionInDays: ERROR_LOG_RETENTION_DAYS,
        ...PROTECTED,
      }),
      "audit_archive_firehose",
    );
    this.address(
      new CloudwatchLogStream(this, "error-log-stream", { name: ERROR_LOG_STREAM, logGroupName: logGroup.name, ...PROTECTED }),
      "audit_archive_firehose",
    );

    // Firehose reads the stream and writes the landing bucket; its role can do only that:
    // https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html
    const firehoseRole = this.serviceRole(
      "audit_archive_firehose",
      `${name}_firehose`,
      "firehose.amazonaws.com",
      props.rolesBoundaryArn,
      props.accountId,
    );
    const firehosePolicy = this.rolePolicy("audit_archive_firehose", firehoseRole, "read-stream-write-landing", [
      {
        Sid: "ReadStream",
        Effect: "Allow",
        Action: ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"],
        Resource: stream.arn,
      },
      {
        Sid: "WriteLanding",
        Effect: "Allow",
        Action: ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
        Resource: [this.landingBucket.arn, `${this.landingBucket.arn}/*`],
      },
      { Sid: "LogDeliveryErrors", Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: `${logGroup.arn}:log-stream:*` },
      ...(kmsKeyArn ? [{ Sid: "DecryptStream", Effect: "Allow", Action: ["kms:Decrypt"], Resource: kmsKeyArn }] : []),
    ]);

    const delivery = this.address(
      new KinesisFirehoseDeliveryStream(this, "delivery", {
        name,
        destination: "extended_s3",
        kinesisSourceConfiguration: { kinesisStreamArn: stream.arn, roleArn: firehoseRole.arn },
        extendedS3Configuration: {
          bucketArn: this.landingBucket.arn,
          roleArn: firehoseRole.arn,
          prefix: ARCHIVE_PREFIX,
          errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
          bufferingInterval: settings.bufferingSeconds,
          bufferingSize: settings.bufferingMiB,
          compressionFormat: "GZIP",
          fileExtension: ".json.gz",
          // One JSON record per line, so Athena's JSON SerDe reads the objects as they are.
          processingConfiguration: { enabled: true, processors: [{ type: "AppendDelimiterToRecord" }] },
          cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: ERROR_LOG_STREAM },
        },
        // The role's permissions must exist before Firehose validates them on create.
        dependsOn: [firehosePolicy],
        ...PROTECTED,
      }),
      "audit_archive",
    );

    // S3 Replication copies every landed object into the locked bucket, where the default
    // retention locks it. Its role reads the landing bucket (with the two Object Lock read
    // permissions the replication page requires) and may only replicate objects and tags into the
    // archive: never deletes. Metrics on, for OperationsFailedReplication:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-metrics.html
    const replicationRole = this.serviceRole(
      "audit_archive_replication",
      `${name}_replication`,
      "s3.amazonaws.com",
      props.rolesBoundaryArn,
    );
    const replicationPolicy = this.rolePolicy("audit_archive_replication", replicationRole, "replicate-landing-into-archive", [
      {
        Sid: "ReadLandingConfiguration",
        Effect: "Allow",
        Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
        Resource: this.landingBucket.arn,
      },
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
        Resource: `${this.landingBucket.arn}/*`,
      },
      {
        Sid: "ReplicateIntoArchive",
        Effect: "Allow",
        Action: ["s3:ReplicateObject", "s3:ReplicateTags"],
        Resource: `${this.bucket.arn}/*`,
      },
    ]);
    landing.configuration.push(
      this.address(
        new S3BucketReplicationConfigurationA(this, "replication", {
          bucket: this.landingBucket.id,
          role: replicationRole.arn,
          rule: [
            {
              id: "into-locked-archive",
              status: "Enabled",
              filter: { prefix: "" },
              // Deletes in the landing bucket (its lifecycle) never reach the archive.
              deleteMarkerReplication: { status: "Disabled" },
              destination: { bucket: this.bucket.arn, storageClass: "STANDARD", metrics: { status: "Enabled" } },
            },
          ],
          // Replication needs versioning on both buckets and the role's permissions first.
          dependsOn: [landing.versioning, locked.versioning, replicationPolicy],
          ...PROTECTED,
        }),
        "audit_archive_landing",
      ),
    );

    // The policies last: they deny the deploy role the configuration changes above.
    this.bucketPolicy("audit_archive", locked, lockedArchivePolicy, replicationRole.arn, props.breakGlassRoleArn);
    this.bucketPolicy("audit_archive_landing", landing, landingPolicy, firehoseRole.arn, props.breakGlassRoleArn);

    if (props.alarms) this.addAlarms(props, name, props.alarms, delivery.name);

    const output = (suffix: string, value: string, description: string) =>
      new TerraformOutput(this, `audit_archive_bucket_${suffix}`, { value, description, staticId: true });
    output("name", this.bucket.bucket, `S3 bucket holding every ${props.tableId} entry under Object Lock (Athena reads entries/)`);
    output("arn", this.bucket.arn, `ARN of the ${props.tableId} archive bucket`);
  }

  private address<T extends { overrideLogicalId(id: string): void }>(construct: T, logicalId: string): T {
    construct.overrideLogicalId(logicalId);
    return construct;
  }

  /** A versioned, SSE-S3, private, ACL-less bucket Terraform cannot destroy. */
  private privateBucket(address: string, bucketName: string, objectLock: boolean): ArchiveBucket {
    const id = (suffix: string) => `${address}-${suffix}`;
    const bucket = this.address(
      new S3Bucket(this, id("bucket"), {
        bucket: bucketName,
        objectLockEnabled: objectLock || undefined,
        forceDestroy: false,
        ...PROTECTED,
      }),
      address,
    );
    const versioning = new S3BucketVersioningA(this, id("versioning"), {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
      ...PROTECTED,
    });
    const configuration: TerraformResource[] = [
      versioning,
      new S3BucketServerSideEncryptionConfigurationA(this, id("encryption"), {
        bucket: bucket.id,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        ...PROTECTED,
      }),
      new S3BucketPublicAccessBlock(this, id("public-access"), { bucket: bucket.id, ...BLOCK_ALL_PUBLIC_ACCESS, ...PROTECTED }),
      new S3BucketOwnershipControls(this, id("ownership"), {
        bucket: bucket.id,
        rule: { objectOwnership: "BucketOwnerEnforced" },
        ...PROTECTED,
      }),
    ];
    for (const resource of configuration) this.address(resource, address);
    return { bucket, versioning, configuration };
  }

  private lifecycle(address: string, bucket: S3Bucket, rule: S3BucketLifecycleConfigurationRule[]) {
    return this.address(
      new S3BucketLifecycleConfiguration(this, `${address}-lifecycle`, { bucket: bucket.id, rule, ...PROTECTED }),
      address,
    );
  }

  private bucketPolicy(
    address: string,
    target: ArchiveBucket,
    build: typeof lockedArchivePolicy,
    writerRoleArn: string,
    breakGlassRoleArn: string,
  ) {
    const { bucket, configuration } = target;
    this.address(
      new S3BucketPolicy(this, `${address}-policy`, {
        bucket: bucket.id,
        policy: JSON.stringify(build({ bucketArn: bucket.arn, writerRoleArn, breakGlassRoleArn })),
        dependsOn: configuration,
        ...PROTECTED,
      }),
      address,
    );
  }

  /** A role only `service` can assume, on this account's behalf when `externalId` is given. */
  private serviceRole(address: string, roleName: string, service: string, permissionsBoundary?: string, externalId?: string) {
    return this.address(
      new IamRole(this, `${address}-role`, {
        name: roleName,
        permissionsBoundary,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: service },
              Action: "sts:AssumeRole",
              ...(externalId ? { Condition: { StringEquals: { "sts:ExternalId": externalId } } } : {}),
            },
          ],
        }),
        ...PROTECTED,
      }),
      address,
    );
  }

  private rolePolicy(address: string, role: IamRole, policyName: string, statements: unknown[]) {
    return this.address(
      new IamRolePolicy(this, `${address}-role-policy`, {
        name: policyName,
        role: role.id,
        policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
        ...PROTECTED,
      }),
      address,
    );
  }

  /** Replication into the stream, reading it, delivery to S3, the copy into the locked bucket, and a heartbeat. */
  private addAlarms(props: AuditArchiveProps, name: string, alarms: NonNullable<AuditArchiveProps["alarms"]>, deliveryName: string) {
    const { settings, actions } = alarms;
    const first = 'Runbook: docs/operations.md, "Audit archive".';
    // The streaming destination's metrics are published per (TableName, DelegatedOperation), and
    // AWS documents no value for DelegatedOperation: a query over the schema finds whatever it is.
    // Their documented statistics are Minimum, Maximum, Average (no Sum): MAX.
    const replication = (metric: string) =>
      `SELECT MAX(${metric}) FROM SCHEMA("AWS/DynamoDB", DelegatedOperation, TableName) WHERE TableName = '${props.tableName}'`;
    queryAlarm(this, {
      address: "audit_archive_replication_failures",
      alarmName: `${props.tableName} archive replication failures`,
      description: `DynamoDB failed to put ${props.tableName} changes into Kinesis stream ${name}: those entries are not being archived. ${first}`,
      query: replication("FailedToReplicateRecordCount"),
      label: "FailedToReplicateRecordCount",
      comparison: "GreaterThanThreshold",
      threshold: settings.archiveReplicationFailures.threshold,
      window: settings.archiveReplicationFailures,
      treatMissingData: "notBreaching",
      actions,
    });
    queryAlarm(this, {
      address: "audit_archive_replication_lag",
      alarmName: `${props.tableName} archive replication lag`,
      description: `Changes of ${props.tableName} wait more than ${settings.archiveReplicationLag.threshold} s to reach Kinesis stream ${name}. ${first}`,
      query: replication("AgeOfOldestUnreplicatedRecord"),
      label: "AgeOfOldestUnreplicatedRecord",
      comparison: "GreaterThanThreshold",
      // The metric is in milliseconds.
      threshold: settings.archiveReplicationLag.threshold * 1000,
      window: settings.archiveReplicationLag,
      treatMissingData: "notBreaching",
      actions,
    });
    queryAlarm(this, {
      address: "audit_archive_replication_throttles",
      alarmName: `${props.tableName} archive replication throttled`,
      description: `Kinesis stream ${name} throttles DynamoDB's puts of ${props.tableName} changes. ${first}`,
      query: replication("ThrottledPutRecordCount"),
      label: "ThrottledPutRecordCount",
      comparison: "GreaterThanThreshold",
      threshold: settings.archiveReplicationThrottles.threshold,
      window: settings.archiveReplicationThrottles,
      treatMissingData: "notBreaching",
      actions,
    });
    // Stream-level Kinesis metrics (StreamName) are published every minute.
    // https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
    metricAlarm(this, {
      address: "audit_archive_stream_iterator_age",
      alarmName: `${props.tableName} archive stream iterator age`,
      description: `Firehose reads Kinesis stream ${name} more than ${settings.archiveStreamIteratorAge.threshold} s behind; records expire after ${props.settings.streamRetentionHours} h. ${first}`,
      namespace: "AWS/Kinesis",
      metricName: "GetRecords.IteratorAgeMilliseconds",
      dimensions: { StreamName: name },
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: settings.archiveStreamIteratorAge.threshold * 1000,
      window: settings.archiveStreamIteratorAge,
      treatMissingData: "notBreaching",
      actions,
    });
    // Firehose delivery metrics: https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
    const firehose = { namespace: "AWS/Firehose", dimensions: { DeliveryStreamName: deliveryName }, actions };
    metricAlarm(this, {
      ...firehose,
      address: "audit_archive_delivery_failures",
      alarmName: `${props.tableName} archive delivery failures`,
      description: `Firehose ${name} failed to write to the landing bucket; records wait in the stream for up to ${props.settings.streamRetentionHours} h, then are lost. Errors: CloudWatch Logs /aws/kinesisfirehose/${name}. ${first}`,
      metricName: "DeliveryToS3.Success",
      statistic: "Minimum",
      comparison: "LessThanThreshold",
      threshold: 1,
      window: settings.archiveDeliveryFailures,
      treatMissingData: "notBreaching",
    });
    metricAlarm(this, {
      ...firehose,
      address: "audit_archive_delivery_freshness",
      alarmName: `${props.tableName} archive delivery freshness`,
      description: `The oldest record in Firehose ${name} is more than ${settings.archiveDeliveryFreshness.threshold} s old: delivery to S3 is falling behind. ${first}`,
      metricName: "DeliveryToS3.DataFreshness",
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: settings.archiveDeliveryFreshness.threshold,
      window: settings.archiveDeliveryFreshness,
      treatMissingData: "notBreaching",
    });
    // The heartbeat: when Firehose cannot read the stream (KMS, IAM) it publishes no DeliveryToS3
    // datapoints at all, and every alarm above stays quiet. No records delivered in a period,
    // or no datapoint, is an alarm.
    metricAlarm(this, {
      ...firehose,
      address: "audit_archive_heartbeat",
      alarmName: `${props.tableName} archive heartbeat`,
      description: `No ${props.tableName} entry reached the archive's landing bucket in ${settings.archiveHeartbeat.periodSeconds / 60} minutes (or Firehose published nothing). ${first}`,
      metricName: "DeliveryToS3.Records",
      statistic: "Sum",
      comparison: "LessThanThreshold",
      threshold: 1,
      window: settings.archiveHeartbeat,
      treatMissingData: "breaching",
    });
    // S3 Replication metrics: the dimension names are not on the metrics page, so the query
    // sums the account's OperationsFailedReplication (this is the account's only replication rule
    // the stack creates). S3 asks replication alarms to treat missing data as "ignore":
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html#s3-cloudwatch-replication-metrics
    queryAlarm(this, {
      address: "audit_archive_locked_copy_failures",
      alarmName: `${props.tableName} archive copy into locked bucket failed`,
      description: `S3 Replication failed to copy landed ${props.tableName} entries into the Object Lock bucket; they expire from the landing bucket after ${props.settings.landingRetentionDays} days. ${first}`,
      query: 'SELECT SUM(OperationsFailedReplication) FROM "AWS/S3"',
      label: "OperationsFailedReplication",
      comparison: "GreaterThanThreshold",
      threshold: settings.archiveLockedCopyFailures.threshold,
      window: settings.archiveLockedCopyFailures,
      treatMissingData: "ignore",
      actions,
    });
  }
}
