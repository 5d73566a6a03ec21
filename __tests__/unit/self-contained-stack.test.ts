/**
 * Stacks refer to nothing in another stack: synth skips cdktf's cross-stack pass and refuses such a reference
 * (stacks/self-contained-stack.ts, ADR 0008). Each test builds its own small stacks or JSON.
 */
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing, type App } from "cdktf";
import { SelfContainedStack, undeclaredReferences } from "../../stacks/self-contained-stack";

class ProviderStack extends SelfContainedStack {
  constructor(app: App, id: string) {
    super(app, id);
    new AwsProvider(this, "aws", { region: "eu-west-1" });
  }
}

class BucketStack extends ProviderStack {
  readonly bucket = new S3Bucket(this, "archive", { bucket: "archive" });
}

/** A stack whose topic is named after `bucket`'s ARN. */
function topicStack(app: App, bucket: S3Bucket) {
  const stack = new ProviderStack(app, "topics");
  new SnsTopic(stack, "events", { name: bucket.arn });
  return stack;
}

describe("GIVEN a stack that uses an attribute of a resource in another stack", () => {
  test("WHEN the app is synthesized THEN synth refuses it, naming the stack, the address and the fix", () => {
    const app = Testing.app();
    topicStack(app, new BucketStack(app, "buckets").bucket);
    expect(() => app.synth()).toThrow(
      "stack topics refers to aws_s3_bucket.archive, which it does not declare. Stacks do not refer to each other " +
        "(docs/adr/0008-stacks-refer-to-nothing-outside.md): pass the value through the environment's config instead.",
    );
  });

  test("WHEN the stack alone is synthesized (as construct tests do) THEN it is refused too", () => {
    const app = Testing.app();
    const stack = topicStack(app, new BucketStack(app, "buckets").bucket);
    expect(() => Testing.synth(stack)).toThrow("stack topics refers to aws_s3_bucket.archive");
  });
});

describe("GIVEN a stack that uses only its own resources", () => {
  test("WHEN the app is synthesized THEN cdktf adds no cross-stack outputs or remote state", () => {
    const app = Testing.app();
    const stack = new BucketStack(app, "buckets");
    new SnsTopic(stack, "events", { name: stack.bucket.id });
    app.synth();
    const synthesized = JSON.parse(Testing.synth(stack)) as Record<string, unknown>;
    expect(synthesized.output).toBeUndefined();
    expect(synthesized.data).toBeUndefined();
    expect(synthesized.resource).toMatchObject({ aws_sns_topic: { events: { name: "${aws_s3_bucket.archive.id}" } } });
  });

  test("WHEN it has no backend THEN preparing it still gives it cdktf's local backend", () => {
    const stack = new BucketStack(Testing.app(), "buckets");
    stack.prepareStack();
    expect(JSON.parse(Testing.synth(stack))).toMatchObject({ terraform: { backend: { local: { path: expect.any(String) } } } });
  });
});

describe("undeclaredReferences", () => {
  const config = {
    resource: { aws_s3_bucket: { archive: {} }, aws_sns_topic: { events: {} } },
    data: { aws_caller_identity: { current: {} } },
  };
  const refersTo = (value: unknown, extra: Record<string, unknown> = {}) =>
    undeclaredReferences({ ...config, resource: { ...config.resource, aws_sqs_queue: { q: { value, ...extra } } } });

  test.each([
    ["a declared resource", "${aws_s3_bucket.archive.arn}"],
    ["a declared data source", "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"],
    ["variables, locals, each and count", "${var.name_x}-${local.a_b}-${each.key}-${count.index}-${path.module}"],
    ["an escaped literal", "$${aws_iam_role.other.arn} is text"],
    ["addresses outside an interpolation", "see aws_iam_role.other in the docs"],
  ])("refers to nothing undeclared through %s", (_, value) => {
    expect(refersTo(value)).toEqual([]);
  });

  test.each([
    ["a resource in an interpolation", "${aws_iam_role.other.arn}", ["aws_iam_role.other"]],
    ["a data source", "${data.aws_iam_policy_document.other.json}", ["data.aws_iam_policy_document.other"]],
    ["a function's argument", "${jsonencode([aws_s3_bucket.archive.arn, aws_kms_key.other.arn])}", ["aws_kms_key.other"]],
    [
      "an expression with braces of its own",
      "${{ for k, v in aws_s3_bucket.archive.tags : k => aws_kms_key.other.arn }}",
      ["aws_kms_key.other"],
    ],
  ])("finds %s", (_, value, expected) => {
    expect(refersTo(value)).toEqual(expected);
  });

  test("finds an address that is not declared among depends_on's and replace_triggered_by's plain addresses", () => {
    expect(refersTo("x", { depends_on: ["aws_sns_topic.events", "aws_iam_role.other"] })).toEqual(["aws_iam_role.other"]);
    expect(refersTo("x", { lifecycle: { replace_triggered_by: ["aws_sns_topic.events.id", "aws_kms_key.other.id"] } })).toEqual([
      "aws_kms_key.other",
    ]);
  });
});
