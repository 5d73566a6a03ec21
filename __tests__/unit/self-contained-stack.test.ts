/**
 * Stacks refer to nothing in another stack: synth skips cdktf's cross-stack pass and refuses a reference to an
 * address the stack does not declare (stacks/self-contained-stack.ts, ADR 0008); cdktf's own discovery, run here over
 * the shipped app, catches a reference to another stack's resource at an address both stacks have.
 */
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  App,
  Fn,
  Lazy,
  S3Backend,
  TerraformIterator,
  TerraformLocal,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
  Testing,
} from "cdktf";
import { Construct } from "constructs";
import { ENVIRONMENTS } from "../../config/environments";
import { validateEnvironments } from "../../config/validate";
import { buildStacks } from "../../stacks/app";
import { SelfContainedStack, undeclaredReferences } from "../../stacks/self-contained-stack";
import { TABLE_DEFINITIONS } from "../../tables";

class ProviderStack extends SelfContainedStack {
  constructor(app: App, id: string) {
    super(app, id);
    new AwsProvider(this, "aws", { region: "eu-west-1" });
  }
}

class BucketStack extends ProviderStack {
  readonly bucket = new S3Bucket(this, "archive", { bucket: `${this.node.id}-archive` });
}

/** A stack `topics` whose topic is named after `bucket`'s ARN. */
function topicStack(app: App, bucket: S3Bucket) {
  const stack = new ProviderStack(app, "topics");
  new SnsTopic(stack, "events", { name: bucket.arn });
  return stack;
}

/** What cdktf's own cross-stack discovery (TerraformStack's prepareStack) finds in these stacks. */
function crossStackReferences(stacks: readonly TerraformStack[]): string[] {
  const found: string[] = [];
  const discovery = jest.spyOn(App.prototype, "crossStackReference").mockImplementation((from, to, identifier) => {
    found.push(`${to.node.id} refers to ${identifier} of ${from.node.id}`);
    return identifier;
  });
  try {
    for (const stack of stacks) TerraformStack.prototype.prepareStack.call(stack);
  } finally {
    discovery.mockRestore();
  }
  return found;
}

describe("GIVEN a stack that uses an attribute of a resource in another stack", () => {
  const refusal =
    "stack topics refers to aws_s3_bucket.archive, which it does not declare. Stacks do not refer to each other " +
    "(docs/adr/0008-stacks-refer-to-nothing-outside.md): pass the value through the environment's config instead.";

  test("WHEN the app is synthesized THEN synth refuses it, naming the stack, the address and the fix", () => {
    const app = Testing.app();
    topicStack(app, new BucketStack(app, "buckets").bucket);
    expect(() => app.synth()).toThrow(refusal);
  });

  test("WHEN the stack alone is synthesized, as JSON (construct tests) or as HCL THEN it is refused too", () => {
    const app = Testing.app();
    const stack = topicStack(app, new BucketStack(app, "buckets").bucket);
    expect(() => Testing.synth(stack)).toThrow(refusal);
    expect(() => stack.toHclTerraform()).toThrow(refusal);
  });

  test("WHEN it also declares that address THEN synth cannot tell, and cdktf's own discovery names the reference", () => {
    const app = Testing.app();
    const buckets = new BucketStack(app, "buckets");
    const topics = new BucketStack(app, "topics");
    new SnsTopic(topics, "events", { name: buckets.bucket.arn });
    expect(() => Testing.synth(topics)).not.toThrow();
    expect(crossStackReferences([buckets, topics])).toEqual(["topics refers to aws_s3_bucket.archive.arn of buckets"]);
  });

  test("WHEN the app is synthesized THEN cdktf's cross-stack pass does not run: no output or remote state is wired", () => {
    const app = Testing.app();
    const buckets = new BucketStack(app, "buckets");
    new SnsTopic(new BucketStack(app, "topics"), "events", { name: buckets.bucket.arn });
    const discovery = jest.spyOn(App.prototype, "crossStackReference");
    try {
      app.synth();
      expect(discovery).not.toHaveBeenCalled();
    } finally {
      discovery.mockRestore();
    }
  });
});

describe("the shipped app, with every bootstrap stack (a superset of the stacks it has as configured)", () => {
  const everyStack = validateEnvironments(ENVIRONMENTS).map((environment) => ({ ...environment, createStateBucket: true }));
  const stacks = buildStacks(Testing.app(), everyStack, TABLE_DEFINITIONS, {});

  test("every stack is self-contained, and cdktf's own discovery finds no cross-stack reference", () => {
    const inApp = stacks[0].node.root.node.children.filter(TerraformStack.isStack);
    expect(inApp.map((stack) => stack.node.id)).toEqual(
      ["dev", "staging", "prod"].flatMap((name) => [`dynamodb-${name}`, `state-bucket-${name}`, `atlantis-roles-${name}`]),
    );
    expect(inApp.filter((stack) => !(stack instanceof SelfContainedStack)).map((stack) => stack.node.id)).toEqual([]);
    expect(crossStackReferences(stacks)).toEqual([]);
  });

  test("each stack's JSON is the one cdktf's own toTerraform builds, key for key and in order", () => {
    for (const stack of stacks) {
      stack.prepareStack();
      expect(JSON.stringify(stack.toTerraform())).toBe(JSON.stringify(TerraformStack.prototype.toTerraform.call(stack)));
    }
  });
});

describe("GIVEN a stack with what cdktf can put in one", () => {
  test("WHEN synthesized THEN its JSON is the one cdktf's own toTerraform builds (providers merged as a list)", () => {
    const stack = new ProviderStack(Testing.app(), "everything");
    new AwsProvider(stack, "us", { region: "us-east-1", alias: "us" });
    new S3Backend(stack, { bucket: "state", key: "everything.tfstate", region: "eu-west-1" }).addOverride("use_lockfile", true);
    const name = new TerraformVariable(stack, "name", { type: "string", default: "x" });
    const local = new TerraformLocal(stack, "upper", Fn.upper(name.stringValue));
    const names = TerraformIterator.fromList(["a", "b"]);
    const bucket = new S3Bucket(stack, "bucket", { forEach: names, bucket: `${names.value}-${local.asString}` });
    bucket.addOverride("lifecycle.prevent_destroy", true);
    new S3Bucket(stack, "lazy", { bucket: Lazy.stringValue({ produce: () => "made-late" }) }).importFrom("made-late");
    new TerraformOutput(new Construct(stack, "nested"), "names", { value: Fn.jsonencode({ names: names.value, n: 2 }) });
    new TerraformOutput(stack, "escaped", { value: "$${literal}" });
    stack.prepareStack();
    expect(JSON.stringify(stack.toTerraform())).toBe(JSON.stringify(TerraformStack.prototype.toTerraform.call(stack)));
  });
});

describe("GIVEN a stack-level override", () => {
  test("WHEN it is added THEN it is refused, naming the stack and the fix (toTerraform leaves stack overrides out)", () => {
    const stack = new BucketStack(Testing.app(), "buckets");
    const asCdktfStack: TerraformStack = stack; // as cdktf's API calls it, with a value
    expect(() => asCdktfStack.addOverride("terraform.required_version", ">= 1.5")).toThrow(
      'stack buckets: addOverride("terraform.required_version") on a stack is not supported; override the resource instead',
    );
    expect(() => stack.bucket.addOverride("force_destroy", false)).not.toThrow();
  });
});

describe("GIVEN a stack without a backend", () => {
  test("WHEN it is prepared THEN it still gets cdktf's local backend", () => {
    const stack = new BucketStack(Testing.app(), "buckets");
    stack.prepareStack();
    expect(JSON.parse(Testing.synth(stack))).toMatchObject({ terraform: { backend: { local: { path: expect.any(String) } } } });
  });
});

describe("undeclaredReferences", () => {
  const config = {
    resource: { aws_s3_bucket: { archive: {} }, aws_sns_topic: { events: {} } },
    data: { aws_caller_identity: { current: {} } },
    module: { vpc: {} },
  };
  const refersTo = (value: unknown, extra: Record<string, unknown> = {}) =>
    undeclaredReferences({ ...config, resource: { ...config.resource, aws_sqs_queue: { q: { value, ...extra } } } });

  test.each([
    ["a declared resource", "${aws_s3_bucket.archive.arn}"],
    ["a declared data source", "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"],
    ["a declared module", "${module.vpc.vpc_id}"],
    ["variables, locals, each and count", "${var.name_x}-${local.a_b}-${each.key}-${count.index}-${path.module}"],
    ["an escaped literal", "$${aws_iam_role.other.arn} is text"],
    ["addresses outside an interpolation", "see aws_iam_role.other in the docs"],
    ["an address in an expression's quoted string", '${replace(aws_s3_bucket.archive.id, "aws_iam_role.other", "")}'],
  ])("refers to nothing undeclared through %s", (_, value) => {
    expect(refersTo(value)).toEqual([]);
  });

  test.each([
    ["a resource in an interpolation", "${aws_iam_role.other.arn}", ["aws_iam_role.other"]],
    ["a data source", "${data.aws_iam_policy_document.other.json}", ["data.aws_iam_policy_document.other"]],
    ["a module", "${module.network.vpc_id}", ["module.network"]],
    ["a function's argument", "${jsonencode([aws_s3_bucket.archive.arn, aws_kms_key.other.arn])}", ["aws_kms_key.other"]],
    ["an address after a quoted brace", '${join("}", [aws_kms_key.other.arn])}', ["aws_kms_key.other"]],
    ["an interpolation inside a quoted template", '${upper("key-${aws_kms_key.other.id}")}', ["aws_kms_key.other"]],
    [
      "an expression with braces of its own",
      "${{ for k, v in aws_s3_bucket.archive.tags : k => aws_kms_key.other.arn }}",
      ["aws_kms_key.other"],
    ],
  ])("finds %s", (_, value, expected) => {
    expect(refersTo(value)).toEqual(expected);
  });

  test("finds an address that is not declared among depends_on's and replace_triggered_by's plain addresses", () => {
    expect(refersTo("x", { depends_on: ["aws_sns_topic.events", "aws_iam_role.other", "module.network"] })).toEqual([
      "aws_iam_role.other",
      "module.network",
    ]);
    const lifecycle = { replace_triggered_by: ["aws_sns_topic.events[0].id", "aws_kms_key.other.id"] };
    expect(refersTo("x", { lifecycle })).toEqual(["aws_kms_key.other"]);
  });
});
