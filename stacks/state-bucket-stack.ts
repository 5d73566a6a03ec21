import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { LocalBackend } from "cdktf";
import type { Construct } from "constructs";
import type { Environment } from "../config/schema";
import { BLOCK_ALL_PUBLIC_ACCESS, tlsOnlyBucketPolicy } from "./private-bucket";
import { SelfContainedStack } from "./self-contained-stack";

export const stateBucketStackName = (environment: Pick<Environment, "name">) => `state-bucket-${environment.name}`;

/**
 * Optional bootstrap for teams without a platform-owned state bucket: the environment's state
 * bucket, versioned, encrypted, private and TLS-only. Its own state is local (the bucket cannot
 * hold the state that creates it): deploy it once by hand and keep that file with the team.
 */
export class StateBucketStack extends SelfContainedStack {
  constructor(scope: Construct, environment: Environment) {
    super(scope, stateBucketStackName(environment));
    new LocalBackend(this, { path: `${stateBucketStackName(environment)}.tfstate` });
    new AwsProvider(this, "aws", {
      region: environment.state.region,
      allowedAccountIds: [environment.aws.accountId],
      defaultTags: [{ tags: environment.defaultTags }],
    });

    const bucket = new S3Bucket(this, "bucket", { bucket: environment.state.bucket, lifecycle: { preventDestroy: true } });
    bucket.overrideLogicalId("state");
    // Versions let a corrupted or deleted state be restored.
    new S3BucketVersioningA(this, "versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    }).overrideLogicalId("state");
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    }).overrideLogicalId("state");
    new S3BucketPublicAccessBlock(this, "public-access-block", { bucket: bucket.id, ...BLOCK_ALL_PUBLIC_ACCESS }).overrideLogicalId(
      "state",
    );
    new S3BucketPolicy(this, "tls-only", { bucket: bucket.id, policy: tlsOnlyBucketPolicy(bucket.arn) }).overrideLogicalId("state");
  }
}
