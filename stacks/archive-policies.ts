/**
 * Who may change the audit archive: resource policies as plain data, so tests can evaluate them.
 * Every statement is a Deny for all principals but one role (aws:PrincipalArn), so no single
 * identity with broad S3 permissions can hide, forge or shorten the archive; only the break-glass
 * role can weaken it. The bucket owner account's root user can still delete a bucket policy (S3
 * keeps that escape hatch); COMPLIANCE-mode versions stay locked even for root:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
import { denyInsecureTransport } from "./private-bucket";

/** The archive's copy of what Object Lock protects and what would weaken it for future objects. */
export const ARCHIVE_WEAKENING_ACTIONS = [
  // Deleting versions, and delete markers (DeleteObject without a version id hides entries from Athena).
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:ReplicateDelete",
  // Retention of objects, legal holds, and the bucket's default retention for future objects.
  "s3:PutObjectRetention",
  "s3:BypassGovernanceRetention",
  "s3:PutObjectLegalHold",
  "s3:PutBucketObjectLockConfiguration",
  // What keeps, encrypts, exposes or copies the bucket, and this policy itself.
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:PutReplicationConfiguration",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:DeleteBucket",
] as const;

/** Object writes: S3 Replication writes with s3:ReplicateObject / s3:ReplicateTags, Firehose with s3:PutObject. */
export const OBJECT_WRITE_ACTIONS = ["s3:PutObject", "s3:PutObjectTagging", "s3:ReplicateObject", "s3:ReplicateTags"] as const;

/** The landing bucket holds entries until replication copied them: deleting one before that loses it. */
export const LANDING_WEAKENING_ACTIONS = [
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
] as const;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Deny" | "Allow";
  readonly Principal: "*";
  readonly Action: string | readonly string[];
  readonly Resource: readonly string[];
  readonly Condition: Record<string, Record<string, string | readonly string[]>>;
}

const denyExcept = (sid: string, actions: readonly string[], resources: readonly string[], allowedRoleArn: string): PolicyStatement => ({
  Sid: sid,
  Effect: "Deny",
  Principal: "*",
  Action: [...actions],
  Resource: resources,
  Condition: { ArnNotEquals: { "aws:PrincipalArn": allowedRoleArn } },
});

const policy = (statements: PolicyStatement[]) => ({ Version: "2012-10-17", Statement: statements });

export interface ArchivePolicyProps {
  readonly bucketArn: string;
  /** The one role that writes objects (S3 Replication's role for the locked bucket, Firehose's for the landing bucket). */
  readonly writerRoleArn: string;
  readonly breakGlassRoleArn: string;
}

/** The Object Lock bucket: only S3 Replication's role writes; only break-glass deletes or reconfigures. */
export function lockedArchivePolicy({ bucketArn, writerRoleArn, breakGlassRoleArn }: ArchivePolicyProps) {
  const both = [bucketArn, `${bucketArn}/*`];
  return policy([
    denyInsecureTransport(bucketArn),
    denyExcept("DenyObjectWritesExceptReplication", OBJECT_WRITE_ACTIONS, [`${bucketArn}/*`], writerRoleArn),
    denyExcept("DenyWeakeningExceptBreakGlass", ARCHIVE_WEAKENING_ACTIONS, both, breakGlassRoleArn),
  ]);
}

/** Firehose's landing bucket: only Firehose's role writes; only break-glass deletes or reconfigures. */
export function landingPolicy({ bucketArn, writerRoleArn, breakGlassRoleArn }: ArchivePolicyProps) {
  const both = [bucketArn, `${bucketArn}/*`];
  return policy([
    denyInsecureTransport(bucketArn),
    denyExcept("DenyObjectWritesExceptDelivery", OBJECT_WRITE_ACTIONS, [`${bucketArn}/*`], writerRoleArn),
    denyExcept("DenyWeakeningExceptBreakGlass", LANDING_WEAKENING_ACTIONS, both, breakGlassRoleArn),
  ]);
}
