/**
 * Values that pass a pattern but that AWS or Terraform would reject later (at init, plan or apply)
 * are rejected at synth, naming the environment and field, and nothing is written.
 */
import { ConfigError, validateEnvironments } from "../../config/validate";
import { expectSynthRefuses, shippedEnvironments, type Environments } from "../helpers/bad-config";

const manyTags = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`tag${index}`, "x"]));

/** GIVEN the shipped environments with one mistake, WHEN validated, THEN exactly these problems are reported. */
const CASES: Array<[string, (environments: Environments) => void, string[]]> = [
  [
    "a region that matches the pattern but does not exist",
    (e) => {
      e.staging.aws.region = "eu-wset-1";
    },
    [
      'staging.aws.region: "eu-wset-1" is not an AWS region (did you mean "eu-west-1"?); use a region of the aws, aws-cn or aws-us-gov partition (listed in config/aws-rules.ts)',
    ],
  ],
  [
    "a well-formed region number AWS has not launched (eu-west-9)",
    (e) => {
      e.prod.aws.region = "eu-west-9";
    },
    [
      'prod.aws.region: "eu-west-9" is not an AWS region (did you mean "eu-west-1"?); use a region of the aws, aws-cn or aws-us-gov partition (listed in config/aws-rules.ts)',
    ],
  ],
  [
    "a state region that is no region at all",
    (e) => {
      e.dev.state.region = "europe";
    },
    [
      'dev.state.region: "europe" is not an AWS region; use a region of the aws, aws-cn or aws-us-gov partition (listed in config/aws-rules.ts)',
    ],
  ],
  [
    "a China region is accepted (aws-cn partition), with a matching state region",
    (e) => {
      e.dev.aws.region = "cn-north-1";
      e.dev.state.region = "cn-northwest-1";
    },
    [],
  ],
  [
    "a bucket name with adjacent dots",
    (e) => {
      e.dev.state.bucket = "opsdata..state";
    },
    ['dev.state.bucket: must not contain two adjacent dots ".." (S3 bucket naming rules)'],
  ],
  [
    "a bucket name formatted as an IP address",
    (e) => {
      e.dev.state.bucket = "192.168.5.4";
    },
    ["dev.state.bucket: must not be formatted as an IP address (S3 bucket naming rules)"],
  ],
  [
    "a bucket name with a reserved prefix",
    (e) => {
      e.prod.state.bucket = "xn--opsdata-state";
    },
    ['prod.state.bucket: must not start with "xn--": S3 reserves it; rename the bucket'],
  ],
  [
    "a bucket name with a reserved suffix",
    (e) => {
      e.prod.state.bucket = "opsdata-state-s3alias";
    },
    ['prod.state.bucket: must not end with "-s3alias": S3 reserves it for access point or directory bucket names; rename the bucket'],
  ],
  [
    "a bucket name with uppercase letters, too short",
    (e) => {
      e.dev.state.bucket = "Op";
    },
    [
      "dev.state.bucket: is 2 characters; S3 bucket names are 3-63",
      "dev.state.bucket: may only contain lowercase letters, digits, dots and hyphens (S3 bucket naming rules)",
      "dev.state.bucket: must begin and end with a lowercase letter or digit (S3 bucket naming rules)",
    ],
  ],
  [
    "a remote state's bucket is checked the same way",
    (e) => {
      e.dev.remoteStates = { platform: { bucket: "platform..state", key: "platform/kms.tfstate", region: "eu-west-1" } };
    },
    ['dev.remoteStates.platform.bucket: must not contain two adjacent dots ".." (S3 bucket naming rules)'],
  ],
  [
    "a state key starting with a slash",
    (e) => {
      e.staging.state.key = "/opsdata-infra/staging.tfstate";
    },
    ['staging.state.key: must not start with "/" (the S3 backend refuses it); remove the leading slash'],
  ],
  [
    "a state key with an empty path segment",
    (e) => {
      e.staging.state.key = "opsdata-infra//staging.tfstate";
    },
    ['staging.state.key: must not contain an empty path segment ("//"); S3 would store a different key than the one you read'],
  ],
  [
    "a default tag using the reserved aws: prefix",
    (e) => {
      e.dev.defaultTags["aws:owner"] = "platform";
    },
    ['dev.defaultTags.aws:owner: the "aws:" prefix is reserved for AWS in tag keys and values; rename it'],
  ],
  [
    "a default tag value using the reserved prefix in another case",
    (e) => {
      e.dev.defaultTags.owner = "AWS:platform";
    },
    ['dev.defaultTags.owner: the "aws:" prefix is reserved for AWS in tag keys and values; rename it'],
  ],
  [
    "more than 50 default tags",
    (e) => {
      e.staging.defaultTags = manyTags;
    },
    ["staging.defaultTags: 51 tags; AWS allows at most 50 per resource; remove some"],
  ],
  [
    "a tag key longer than 128 characters",
    (e) => {
      e.staging.defaultTags = { ["k".repeat(129)]: "v" };
    },
    [`staging.defaultTags.${"k".repeat(129)}: tag key is 129 characters; AWS allows 1-128`],
  ],
  [
    "an empty tag key",
    (e) => {
      e.staging.defaultTags = { "": "v" };
    },
    ["staging.defaultTags.: tag key is 0 characters; AWS allows 1-128"],
  ],
  [
    "a tag value longer than 256 characters",
    (e) => {
      e.prod.defaultTags.project = "p".repeat(257);
    },
    ["prod.defaultTags.project: tag value is 257 characters; AWS allows at most 256"],
  ],
  [
    "a tag key with a character AWS refuses",
    (e) => {
      e.prod.defaultTags["cost#center"] = "42";
    },
    ['prod.defaultTags.cost#center: tag key "cost#center" has characters AWS refuses; use letters, digits, spaces and _ . : / = + - @'],
  ],
  [
    "a tag with letters of any script, spaces and the allowed symbols is accepted",
    (e) => {
      e.prod.defaultTags["Équipe / owner"] = "plateforme+données@ops=1:2_3.4-5";
    },
    [],
  ],
  [
    "a KMS key in another region than the tables",
    (e) => {
      e.prod.protection.kmsKey = { arn: "arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab" };
    },
    [
      "prod.protection.kmsKey.arn: is a key in us-east-1, but the tables are in eu-west-1; DynamoDB needs a key in the table's region: use a key (or multi-Region replica) in eu-west-1",
    ],
  ],
  [
    "a KMS key ARN of another partition",
    (e) => {
      e.prod.protection.kmsKey = { arn: "arn:aws-cn:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab" };
    },
    ["prod.protection.kmsKey.arn: is in partition aws-cn, but eu-west-1 is in aws; use the ARN prefix arn:aws:kms:"],
  ],
  [
    "a KMS key in the tables' region is accepted",
    (e) => {
      e.prod.protection.kmsKey = { arn: "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab" };
    },
    [],
  ],
];

const problemsOf = (environments: Environments): string[] => {
  try {
    validateEnvironments(Object.values(environments));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
};

describe("AWS rules at synth", () => {
  test.each(CASES)("%s", (_name, mutate, expected) => {
    // GIVEN the shipped config with one change
    const environments = shippedEnvironments();
    mutate(environments);
    // WHEN validated THEN exactly the expected problems are reported
    expect(problemsOf(environments)).toEqual(expected);
  });

  test.each(CASES.filter(([, , expected]) => expected.length > 0))(
    "%s: synth throws and writes no cdktf.out",
    (_name, mutate, expected) => {
      const environments = shippedEnvironments();
      mutate(environments);
      expectSynthRefuses(environments, expected[0]);
    },
  );
});
