/** What every bucket this project creates gets (the state bucket, the audit archive): private and TLS-only. */

/** S3 Block Public Access with every switch on (aws_s3_bucket_public_access_block). */
export const BLOCK_ALL_PUBLIC_ACCESS = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
} as const;

/** The statement denying every request to the bucket and its objects not made over TLS. */
export const denyInsecureTransport = (bucketArn: string) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny" as const,
  Principal: "*" as const,
  Action: "s3:*",
  Resource: [bucketArn, `${bucketArn}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/** A bucket policy that denies every request to the bucket and its objects not made over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(bucketArn)] });
}
