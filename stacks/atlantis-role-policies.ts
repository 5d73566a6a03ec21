/**
 * The IAM documents of the Atlantis roles, as plain data (the bootstrap stack in
 * atlantis-roles-stack.ts turns them into resources; __tests__/unit/atlantis-roles.test.ts
 * evaluates them).
 *
 * - The plan role reads the configuration of what the environment stack manages and its state,
 *   and writes nothing but the state's lock object. No data-plane reads either: no DynamoDB item
 *   reads, no S3 objects but the state, no kms:Decrypt.
 * - The apply role adds the control-plane writes `terraform apply` of the environment stack needs,
 *   on the environment's own names only (tables, streams, buckets, alarms, topic: its prefixes), and
 *   still no data-plane action: Terraform never reads or writes items or archived objects. Roles it
 *   creates must carry the permissions boundary the bootstrap owns, so a reviewed plan cannot mint
 *   a role with more than the archive path's permissions; the state bucket is off limits but for
 *   the environment's state object.
 * Both are assumable only by the Atlantis server's identity presenting the environment's external id.
 */
import type { Environment } from "../config/schema";

export const ATLANTIS_PLAN_ROLE_NAME = "opsdata-atlantis-plan";
export const ATLANTIS_APPLY_ROLE_NAME = "opsdata-atlantis-apply";
/** The managed policy every role the environment stack creates must have as its permissions boundary. */
export const STACK_ROLES_BOUNDARY_NAME = "opsdata-stack-roles-boundary";

export const stackRolesBoundaryArn = (accountId: string) => `arn:aws:iam::${accountId}:policy/${STACK_ROLES_BOUNDARY_NAME}`;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

type AtlantisEnvironment = Pick<Environment, "aws" | "state" | "tableNamePrefix" | "remoteStates"> & {
  readonly atlantis: NonNullable<Environment["atlantis"]>;
};

const document = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/** Who may assume either role: the Atlantis server's identity, and only with the environment's external id. */
export function atlantisTrustPolicy(environment: AtlantisEnvironment) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AtlantisServerWithExternalId",
        Effect: "Allow",
        Principal: { AWS: environment.atlantis.principalArn },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": environment.atlantis.externalId } },
      },
    ],
  } as const;
}

/**
 * Reads `terraform plan` makes to refresh every resource type the environment stack manages
 * (aws_dynamodb_*, aws_appautoscaling_*, aws_cloudwatch_metric_alarm, aws_kms_*, aws_s3_bucket*,
 * aws_kinesis_*, aws_iam_role*, aws_sns_*, aws_cloudwatch_log_*): configuration, never content.
 * s3:ListBucket is what HeadBucket needs (S3 API reference, HeadBucket, "Permissions").
 */
export const CONFIGURATION_READ_ACTIONS = [
  "application-autoscaling:DescribeScalableTargets",
  "application-autoscaling:DescribeScalingPolicies",
  "application-autoscaling:ListTagsForResource",
  "cloudwatch:DescribeAlarms",
  "cloudwatch:ListTagsForResource",
  "dynamodb:DescribeContinuousBackups",
  "dynamodb:DescribeContributorInsights",
  "dynamodb:DescribeKinesisStreamingDestination",
  "dynamodb:DescribeTable",
  "dynamodb:DescribeTimeToLive",
  "dynamodb:GetResourcePolicy",
  "dynamodb:ListTagsOfResource",
  "firehose:DescribeDeliveryStream",
  "firehose:ListTagsForDeliveryStream",
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:ListRolePolicies",
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetResourcePolicy",
  "kinesis:ListTagsForStream",
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListAliases",
  "kms:ListResourceTags",
  "logs:DescribeLogGroups",
  "logs:DescribeLogStreams",
  "logs:ListTagsForResource",
  "s3:GetAccelerateConfiguration",
  "s3:GetBucketAcl",
  "s3:GetBucketCORS",
  "s3:GetBucketLogging",
  "s3:GetBucketNotification",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetBucketOwnershipControls",
  "s3:GetBucketPolicy",
  "s3:GetBucketPublicAccessBlock",
  "s3:GetBucketRequestPayment",
  "s3:GetBucketTagging",
  "s3:GetBucketVersioning",
  "s3:GetBucketWebsite",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:ListBucket",
  "sns:GetSubscriptionAttributes",
  "sns:GetTopicAttributes",
  "sns:ListSubscriptionsByTopic",
  "sns:ListTagsForResource",
  "sts:GetCallerIdentity",
] as const;

/**
 * Control-plane writes of `terraform apply` on the environment stack. Data-plane actions (item
 * reads and writes, object reads and writes, kms:Decrypt/Encrypt) are deliberately absent.
 */
export const CONFIGURATION_WRITE_ACTIONS = [
  "application-autoscaling:DeleteScalingPolicy",
  "application-autoscaling:DeregisterScalableTarget",
  "application-autoscaling:PutScalingPolicy",
  "application-autoscaling:RegisterScalableTarget",
  "application-autoscaling:TagResource",
  "application-autoscaling:UntagResource",
  "cloudwatch:DeleteAlarms",
  "cloudwatch:PutMetricAlarm",
  "cloudwatch:TagResource",
  "cloudwatch:UntagResource",
  "dynamodb:CreateTable",
  "dynamodb:DeleteResourcePolicy",
  "dynamodb:DeleteTable",
  "dynamodb:DisableKinesisStreamingDestination",
  "dynamodb:EnableKinesisStreamingDestination",
  "dynamodb:PutResourcePolicy",
  "dynamodb:TagResource",
  "dynamodb:UntagResource",
  "dynamodb:UpdateContinuousBackups",
  "dynamodb:UpdateContributorInsights",
  "dynamodb:UpdateKinesisStreamingDestination",
  "dynamodb:UpdateTable",
  "dynamodb:UpdateTimeToLive",
  "firehose:CreateDeliveryStream",
  "firehose:DeleteDeliveryStream",
  "firehose:TagDeliveryStream",
  "firehose:UntagDeliveryStream",
  "firehose:UpdateDestination",
  "kinesis:AddTagsToStream",
  "kinesis:CreateStream",
  "kinesis:DecreaseStreamRetentionPeriod",
  "kinesis:DeleteStream",
  "kinesis:IncreaseStreamRetentionPeriod",
  "kinesis:RemoveTagsFromStream",
  "kinesis:StartStreamEncryption",
  "kinesis:UpdateStreamMode",
  "kms:CreateAlias",
  "kms:CreateKey",
  // DynamoDB creates a grant on a customer-managed key in the caller's name when a table uses it
  // (DynamoDB developer guide, "How Amazon DynamoDB uses AWS KMS", "Key policy").
  "kms:CreateGrant",
  "kms:DeleteAlias",
  "kms:EnableKeyRotation",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:DeleteLogGroup",
  "logs:DeleteLogStream",
  "logs:PutRetentionPolicy",
  "logs:TagResource",
  "logs:UntagResource",
  "s3:CreateBucket",
  "s3:DeleteBucket",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketPolicy",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketTagging",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
  "s3:PutReplicationConfiguration",
  "sns:CreateTopic",
  "sns:DeleteTopic",
  "sns:SetTopicAttributes",
  "sns:Subscribe",
  "sns:TagResource",
  "sns:Unsubscribe",
  "sns:UntagResource",
] as const;

const stateObjectArn = (location: { bucket: string; key: string }) => `arn:aws:s3:::${location.bucket}/${location.key}`;

/**
 * The S3 backend's permissions with S3-native locking: s3:ListBucket on the bucket, s3:GetObject on
 * the state, s3:GetObject/PutObject/DeleteObject on `<key>.tflock`
 * (https://developer.hashicorp.com/terraform/language/backend/s3, "Permissions Required").
 */
function stateStatements(environment: AtlantisEnvironment, writeState: boolean): PolicyStatement[] {
  const state = stateObjectArn(environment.state);
  const remoteStates = Object.values(environment.remoteStates).map(stateObjectArn);
  return [
    { Sid: "ListStateBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${environment.state.bucket}`] },
    {
      Sid: writeState ? "ReadAndWriteState" : "ReadState",
      Effect: "Allow",
      Action: writeState ? ["s3:GetObject", "s3:PutObject"] : ["s3:GetObject"],
      Resource: [state],
    },
    {
      Sid: "StateLockObject",
      Effect: "Allow",
      Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
      Resource: [`${state}.tflock`],
    },
    ...(remoteStates.length > 0
      ? [{ Sid: "ReadRemoteStates", Effect: "Allow" as const, Action: ["s3:GetObject"], Resource: remoteStates }]
      : []),
  ];
}

const readConfiguration: PolicyStatement = {
  Sid: "ReadConfiguration",
  Effect: "Allow",
  Action: CONFIGURATION_READ_ACTIONS,
  Resource: ["*"],
};

/** The plan role: configuration reads, the state, and nothing written but the lock object. */
export function atlantisPlanPolicy(environment: AtlantisEnvironment): PolicyDocument {
  return document(readConfiguration, ...stateStatements(environment, false));
}

/** ARNs of what the environment stack names: tables, streams, alarms, logs with `tableNamePrefix`; buckets, topic, aliases dashed. */
function stackResources(environment: AtlantisEnvironment) {
  const { accountId, region } = environment.aws;
  const prefix = environment.tableNamePrefix;
  const dashed = prefix.replace(/_/g, "-");
  const at = (service: string, resource: string) => `arn:aws:${service}:${region}:${accountId}:${resource}`;
  return {
    "application-autoscaling": ["*"],
    cloudwatch: [at("cloudwatch", `alarm:${prefix}*`)],
    dynamodb: [at("dynamodb", `table/${prefix}*`)],
    firehose: [at("firehose", `deliverystream/${prefix}*`)],
    kinesis: [at("kinesis", `stream/${prefix}*`)],
    // Keys have no name to scope by (their ARNs are ids); kms:CreateKey takes no resource.
    kms: [at("kms", "key/*"), at("kms", `alias/${dashed}*`)],
    logs: [at("logs", `log-group:/aws/kinesisfirehose/${prefix}*`)],
    s3: [`arn:aws:s3:::${dashed}*`],
    sns: [at("sns", `${dashed}*`)],
  } as const;
}

/** The apply role: what the plan role may do, the state, and the stack's control-plane writes on its own names. */
export function atlantisApplyPolicy(environment: AtlantisEnvironment): PolicyDocument {
  const { accountId } = environment.aws;
  const resources = stackResources(environment);
  const stackRoles = `arn:aws:iam::${accountId}:role/${environment.tableNamePrefix}*`;
  const boundary = { StringEquals: { "iam:PermissionsBoundary": stackRolesBoundaryArn(accountId) } };
  const capitalized = (service: string) => service.replace(/(^|-)(\w)/g, (_match, _dash, letter: string) => letter.toUpperCase());
  const writes = Object.entries(resources).map(([service, resource]): PolicyStatement => ({
    Sid: `Write${capitalized(service)}`,
    Effect: "Allow",
    Action: CONFIGURATION_WRITE_ACTIONS.filter((action) => action.startsWith(`${service}:`) && action !== "kms:CreateKey"),
    Resource: resource,
  }));
  return document(
    readConfiguration,
    ...stateStatements(environment, true),
    ...writes,
    { Sid: "CreateKeys", Effect: "Allow", Action: ["kms:CreateKey"], Resource: ["*"] },
    {
      // Only with the boundary: whatever policy a reviewed plan gives the role, it cannot exceed it.
      Sid: "ManageTheStacksRolesWithinTheBoundary",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy"],
      Resource: [stackRoles],
      Condition: boundary,
    },
    {
      Sid: "ManageTheStacksRoles",
      Effect: "Allow",
      Action: ["iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole"],
      Resource: [stackRoles],
    },
    {
      Sid: "PassTheStacksRolesToDelivery",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: [stackRoles],
      Condition: { StringEquals: { "iam:PassedToService": ["firehose.amazonaws.com", "s3.amazonaws.com"] } },
    },
    {
      // Application Auto Scaling's role for DynamoDB, created on first use (Application Auto Scaling
      // user guide, "Service-linked roles for Application Auto Scaling").
      Sid: "AutoscalingServiceLinkedRole",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: ["*"],
      Condition: { StringEquals: { "iam:AWSServiceName": "dynamodb.application-autoscaling.amazonaws.com" } },
    },
    {
      Sid: "NoBoundaryChanges",
      Effect: "Deny",
      Action: ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"],
      Resource: ["*"],
    },
    {
      // A bucket named like the stack's could be the state bucket: nothing there but the state itself.
      Sid: "StateBucketOnlyTheState",
      Effect: "Deny",
      Action: CONFIGURATION_WRITE_ACTIONS.filter((action) => action.startsWith("s3:")),
      Resource: [`arn:aws:s3:::${environment.state.bucket}`],
    },
  );
}

/**
 * The permissions boundary of every role the environment stack creates: the most the archive path's
 * roles may ever do (read the stack's stream, write and replicate the stack's buckets, write its
 * delivery logs, decrypt with the account's keys), on the environment's names only. IAM grants the
 * intersection of a role's policies and its boundary (IAM user guide, "Permissions boundaries for
 * IAM entities").
 */
export function stackRolesBoundary(environment: AtlantisEnvironment): PolicyDocument {
  const resources = stackResources(environment);
  return document(
    {
      Sid: "ReadTheStacksStreams",
      Effect: "Allow",
      Action: ["kinesis:DescribeStream", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
      Resource: resources.kinesis,
    },
    {
      Sid: "WriteAndReplicateTheStacksBuckets",
      Effect: "Allow",
      Action: [
        "s3:AbortMultipartUpload",
        "s3:GetBucketLocation",
        "s3:GetObjectLegalHold",
        "s3:GetObjectRetention",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionTagging",
        "s3:GetReplicationConfiguration",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:PutObject",
        "s3:ReplicateObject",
        "s3:ReplicateTags",
      ],
      Resource: [...resources.s3, `${resources.s3[0]}/*`],
    },
    { Sid: "WriteTheStacksDeliveryLogs", Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: resources.logs },
    { Sid: "DecryptWithTheAccountsKeys", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [resources.kms[0]] },
  );
}
