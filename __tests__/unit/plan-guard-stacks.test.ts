/**
 * The plan guard over the shipped stacks, as properties (no literal list of addresses): each stack,
 * presented as its first apply (every `${...}` reference unknown, as terraform plans it), has only
 * types the guard has a rule for or deliberately leaves alone, and every resource of a guarded kind
 * is protected, so a resource added later is covered by its kind's rule.
 */
import { type Instance, PlanModel } from "../../guards/plan-guard-model";
import { guardPlan, parsePlan } from "../../guards/plan-guard";
import { KIND_RULES, UNGUARDED_TYPES } from "../../guards/plan-guard-rules";
import { shippedStacks } from "../helpers/synth";

const META = new Set(["//", "lifecycle", "depends_on", "provider", "count", "for_each", "provisioner"]);
const INTERPOLATION = /\$\{([a-z0-9_]+\.[a-zA-Z0-9_-]+)[^}]*\}/g;

/** A synthesized stack as terraform would plan its first apply: creates, references unknown, configuration references kept. */
function firstApply(stack: { resource: Record<string, Record<string, Record<string, unknown>>>; provider?: unknown }) {
  const changes = [];
  const configuration = [];
  for (const [type, resources] of Object.entries(stack.resource)) {
    for (const [name, body] of Object.entries(resources)) {
      const after: Record<string, unknown> = {};
      const unknown: Record<string, boolean> = {};
      const references = new Set<string>();
      for (const [attribute, value] of Object.entries(body)) {
        if (META.has(attribute)) continue;
        const text = JSON.stringify(value);
        for (const match of text.matchAll(INTERPOLATION)) references.add(match[1]);
        if (text.includes("${")) unknown[attribute] = true;
        else after[attribute] = value;
      }
      const address = `${type}.${name}`;
      changes.push({ address, mode: "managed", type, name, change: { actions: ["create"], before: null, after, after_unknown: unknown } });
      // Index names as terraform writes constant block expressions (the guard compares them with the plan).
      const indexes = Array.isArray(body.global_secondary_index)
        ? {
            global_secondary_index: body.global_secondary_index.map((index: { name: string }) => ({
              name: { constant_value: index.name },
            })),
          }
        : {};
      configuration.push({ address, mode: "managed", type, name, expressions: { all: { references: [...references] }, ...indexes } });
    }
  }
  const allowed = (stack.provider as { aws: Array<{ allowed_account_ids?: string[] }> }).aws[0].allowed_account_ids;
  return {
    format_version: "1.2",
    planned_values: {},
    resource_changes: changes,
    configuration: {
      provider_config: { aws: { expressions: { allowed_account_ids: { constant_value: allowed } } } },
      root_module: { resources: configuration },
    },
    complete: true,
  };
}

const stacks = Object.entries(shippedStacks()).map(([name, stack]) => {
  const plan = parsePlan(JSON.stringify(firstApply(stack as never)), `${name}.json`);
  return [name, new PlanModel(plan), plan] as const;
});

describe.each(stacks)("%s", (_name, model, plan) => {
  test("GIVEN the stack's first apply (all creates, nothing in force) WHEN guarded THEN it passes with no findings", () => {
    expect(guardPlan(plan).findings).toEqual([]);
  });

  test("GIVEN the stack WHEN its types are listed THEN each has a plan-guard rule or a recorded reason to be left alone", () => {
    const undecided = [...new Set(model.instances.map((i) => i.type))].filter((type) => !KIND_RULES[type] && !UNGUARDED_TYPES[type]);
    expect(undecided).toEqual([]);
  });

  test("GIVEN a resource of a guarded kind (IAM: of the archive's delivery path) WHEN the guard looks at it THEN it is protected", () => {
    // IAM is guarded where it carries the archive's delivery; other roles (e.g. Atlantis's) are not the guard's concern.
    const firehoses = model.ofType("aws_kinesis_firehose_delivery_stream");
    const deliveryRoles = model.ofType("aws_iam_role").filter((role) => firehoses.some((stream) => model.refersTo(stream, role)));
    const delivers = (i: Instance) =>
      i.type === "aws_iam_role" ? deliveryRoles.includes(i) : deliveryRoles.some((role) => model.refersTo(i, role));
    const guarded = model.instances.filter((i) => KIND_RULES[i.type] && (!i.type.startsWith("aws_iam_") || delivers(i)));
    expect(guarded.filter((i) => !KIND_RULES[i.type].role(i, model)).map((i) => i.address)).toEqual([]);
  });

  test("GIVEN a KMS key WHEN described THEN it claims to encrypt tables only if a table uses it", () => {
    for (const key of model.ofType("aws_kms_key")) {
      const role = KIND_RULES.aws_kms_key.role(key, model)!;
      const tables = model.ofType("aws_dynamodb_table").filter((table) => model.refersTo(table, key));
      if (tables.length > 0) expect(role).toMatch(/^the KMS key that encrypts aws_dynamodb_table\./);
      else expect(role).not.toContain("encrypts");
    }
  });
});

test("GIVEN prod WHEN its keys are described THEN the tables' key names the tables and the alarm topic's key does not", () => {
  const prod = stacks.find(([name]) => name === "dynamodb-prod")![1];
  const role = (address: string) =>
    KIND_RULES.aws_kms_key.role(
      prod.instances.find((i) => i.address === address)!,
      prod,
    );
  expect(role("aws_kms_key.dynamodb_tables")).toMatch(/^the KMS key that encrypts aws_dynamodb_table\.\w+, /);
  expect(role("aws_kms_key.alarm_topic")).toBe("the KMS key used by aws_sns_topic.alarms (no table or archive data)");
});
