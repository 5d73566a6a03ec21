/**
 * AWS's own rules for the values in config/environments.ts, named once so synth rejects what AWS or
 * Terraform would reject later (at `init`, `plan` or `apply`). Each rule cites where it comes from.
 * Every check returns problems as "<what is wrong>; <how to fix it>" strings (empty when valid).
 */

/**
 * Regions of the partitions we support, from the AWS SDK's partition metadata
 * (@aws-sdk/core 3.981.1, `submodules/client/util-endpoints/lib/aws/partitions.js`, the `regions`
 * of the `aws`, `aws-cn` and `aws-us-gov` partitions; `aws-global`-style pseudo regions left out).
 * Isolated partitions (aws-iso*, aws-eusc) are not supported. Checked against AWS's own list, "AWS Regions"
 * (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html). A literal list, not a
 * pattern: "eu-west-9" is well formed but no region. Add a region here when AWS launches one.
 */
export const AWS_PARTITION_REGIONS = {
  aws: [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "me-west-1",
    "mx-central-1",
    "sa-east-1",
    "sa-west-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
  ],
  "aws-cn": ["cn-north-1", "cn-northwest-1"],
  "aws-us-gov": ["us-gov-east-1", "us-gov-west-1"],
} as const;

export type AwsPartition = keyof typeof AWS_PARTITION_REGIONS;

/** The partition a region belongs to, or undefined when it is not a region we know. */
export function partitionOf(region: string): AwsPartition | undefined {
  return (Object.keys(AWS_PARTITION_REGIONS) as AwsPartition[]).find((partition) =>
    (AWS_PARTITION_REGIONS[partition] as readonly string[]).includes(region),
  );
}

/** "eu-wset-1" is not a region: suggests the nearest real one when a letter or two is off. */
export function regionProblems(region: string): string[] {
  if (partitionOf(region)) return [];
  const all = Object.values(AWS_PARTITION_REGIONS).flat();
  const nearest = all
    .map((candidate) => ({ candidate, distance: editDistance(region, candidate) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = nearest && nearest.distance <= 2 ? ` (did you mean "${nearest.candidate}"?)` : "";
  const partitions = Object.keys(AWS_PARTITION_REGIONS);
  return [
    `"${region}" is not an AWS region${hint}; use a region of the ${partitions.slice(0, -1).join(", ")} or ${partitions.at(-1)} partition (listed in config/aws-rules.ts)`,
  ];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * General purpose bucket naming rules, Amazon S3 User Guide, "General purpose bucket naming rules"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
const S3_BUCKET_RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const S3_BUCKET_RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
const S3_BUCKET_MIN_LENGTH = 3;
const S3_BUCKET_MAX_LENGTH = 63;

export function s3BucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < S3_BUCKET_MIN_LENGTH || name.length > S3_BUCKET_MAX_LENGTH) {
    problems.push(`is ${name.length} characters; S3 bucket names are ${S3_BUCKET_MIN_LENGTH}-${S3_BUCKET_MAX_LENGTH}`);
  }
  if (!/^[a-z0-9.-]*$/.test(name)) {
    problems.push("may only contain lowercase letters, digits, dots and hyphens (S3 bucket naming rules)");
  }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
    problems.push("must begin and end with a lowercase letter or digit (S3 bucket naming rules)");
  }
  if (name.includes("..")) problems.push('must not contain two adjacent dots ".." (S3 bucket naming rules)');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push("must not be formatted as an IP address (S3 bucket naming rules)");
  for (const prefix of S3_BUCKET_RESERVED_PREFIXES.filter((reserved) => name.startsWith(reserved))) {
    problems.push(`must not start with "${prefix}": S3 reserves it; rename the bucket`);
  }
  for (const suffix of S3_BUCKET_RESERVED_SUFFIXES.filter((reserved) => name.endsWith(reserved))) {
    problems.push(`must not end with "${suffix}": S3 reserves it for access point or directory bucket names; rename the bucket`);
  }
  return problems;
}

/**
 * Keys of Terraform's S3 backend. Terraform refuses a key that starts or ends with "/"
 * (hashicorp/terraform internal/backend/remote-state/s3/validate.go, validateStringS3Path: S3 strips
 * the leading slash and treats a trailing one as a folder). S3 object keys are at most 1,024 bytes
 * of UTF-8 (Amazon S3 User Guide, "Naming Amazon S3 objects",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html). We also require the
 * ".tfstate" suffix and a conservative character set so keys are the same in every tool.
 */
const S3_KEY_MAX_BYTES = 1024;
export function stateKeyProblems(key: string): string[] {
  const problems: string[] = [];
  if (key.startsWith("/")) problems.push('must not start with "/" (the S3 backend refuses it); remove the leading slash');
  if (key.includes("//")) {
    problems.push('must not contain an empty path segment ("//"); S3 would store a different key than the one you read');
  }
  if (Buffer.byteLength(key, "utf8") > S3_KEY_MAX_BYTES)
    problems.push(`is longer than ${S3_KEY_MAX_BYTES} bytes, S3's key limit; shorten it`);
  if (!/^[\w./-]+\.tfstate$/.test(key)) {
    problems.push('must be an S3 key ending in ".tfstate" (letters, digits, _ . / -), e.g. "opsdata-infra/dev/dynamodb.tfstate"');
  }
  return problems;
}

/**
 * AWS tag rules (Tagging AWS resources, "Tag naming limits and requirements",
 * https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html, and DynamoDB's
 * "Tagging restrictions", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html):
 * at most 50 user tags per resource; keys 1-128 and values 0-256 Unicode characters; letters,
 * digits, spaces and `_ . : / = + - @`; the `aws:` prefix (any case) is reserved. The provider's
 * default_tags go on every resource, so the limits apply to the whole set.
 */
export const MAX_TAGS_PER_RESOURCE = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function tagProblems(tags: Readonly<Record<string, string>>): Array<{ key?: string; message: string }> {
  const problems: Array<{ key?: string; message: string }> = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS_PER_RESOURCE) {
    problems.push({ message: `${entries.length} tags; AWS allows at most ${MAX_TAGS_PER_RESOURCE} per resource; remove some` });
  }
  for (const [key, value] of entries) {
    const length = [...key].length;
    if (length === 0 || length > MAX_TAG_KEY_LENGTH) {
      problems.push({ key, message: `tag key is ${length} characters; AWS allows 1-${MAX_TAG_KEY_LENGTH}` });
    }
    if ([...value].length > MAX_TAG_VALUE_LENGTH) {
      problems.push({ key, message: `tag value is ${[...value].length} characters; AWS allows at most ${MAX_TAG_VALUE_LENGTH}` });
    }
    if (/^aws:/i.test(key) || /^aws:/i.test(value)) {
      problems.push({ key, message: 'the "aws:" prefix is reserved for AWS in tag keys and values; rename it' });
    }
    for (const [what, text] of [
      ["key", key],
      ["value", value],
    ] as const) {
      if (!TAG_CHARACTERS.test(text)) {
        problems.push({
          key,
          message: `tag ${what} "${text}" has characters AWS refuses; use letters, digits, spaces and _ . : / = + - @`,
        });
      }
    }
  }
  return problems;
}

/** arn:<partition>:kms:<region>:<account>:key/<id>. */
export const KMS_KEY_ARN_PATTERN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):\d{12}:key\/[a-zA-Z0-9-]+$/;

/**
 * DynamoDB encrypts with a customer managed key only in the table's own region (DynamoDB Developer
 * Guide, encryption at rest "Usage notes":
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html).
 */
export function kmsKeyLocationProblems(arn: string, tableRegion: string): string[] {
  const match = KMS_KEY_ARN_PATTERN.exec(arn);
  if (!match) return [];
  const [, partition, region] = match;
  const tablePartition = partitionOf(tableRegion);
  if (region !== tableRegion) {
    return [
      `is a key in ${region}, but the tables are in ${tableRegion}; DynamoDB needs a key in the table's region: use a key (or multi-Region replica) in ${tableRegion}`,
    ];
  }
  if (tablePartition && partition !== tablePartition) {
    return [`is in partition ${partition}, but ${tableRegion} is in ${tablePartition}; use the ARN prefix arn:${tablePartition}:kms:`];
  }
  return [];
}
