/**
 * Rules every table and every GSI must follow, asserted as properties over the synthesized stacks:
 * they hold for whatever tables/ defines, so adding an index or a table needs no new rows here.
 * The environment-level safety rules (prod's protections) are written out literally. Each rule is
 * also checked on the shipped tables with one more GSI each, so a rule that only holds for the
 * first index fails here. The values themselves are pinned by the reviewed snapshots
 * (stack-snapshots.test.ts) and the public contract (contract.test.ts).
 */
import { TABLE_DEFINITIONS, type TableDefinition } from "../../tables";
import { ENVIRONMENT_NAMES, environmentInput, parse, resourcesOf, synthEnvironment, type SynthesizedStack } from "../helpers/synth";

type Resource = Record<string, unknown>;
interface IndexBlock {
  name: string;
  read_capacity?: number;
  write_capacity?: number;
  on_demand_throughput?: unknown;
}

/** The shipped tables, each with one more KEYS_ONLY index on a new attribute. */
const GROWN: TableDefinition[] = TABLE_DEFINITIONS.map((table) => ({
  ...table,
  globalIndexes: [
    ...(table.globalIndexes ?? []),
    { name: "rule_probe-index", partitionKey: { name: "rule_probe", type: "S" }, projection: { type: "KEYS_ONLY" }, servesPattern: "test" },
  ],
}));

const VARIANTS = ENVIRONMENT_NAMES.flatMap((name) => [
  { label: `${name}, shipped tables`, name, stack: () => parse(synthEnvironment(environmentInput(name))) },
  { label: `${name}, every table with one more GSI`, name, stack: () => parse(synthEnvironment(environmentInput(name), GROWN)) },
]);

const tablesOf = (stack: SynthesizedStack) => Object.entries(resourcesOf(stack, "aws_dynamodb_table"));
const indexesOf = (table: Resource) => (table.global_secondary_index as IndexBlock[] | undefined) ?? [];
/** The Terraform reference to a table's name, as autoscaling and contributor insights use it. */
const nameOf = (address: string) => `\${aws_dynamodb_table.${address}.name}`;

/** Every capacity scope of a table: the table itself and each GSI, as Application Auto Scaling names them. */
function scopesOf(address: string, table: Resource) {
  return [
    { what: address, resourceId: `table/${nameOf(address)}`, dimension: "table" },
    ...indexesOf(table).map((index) => ({
      what: `${address}/${index.name}`,
      resourceId: `table/${nameOf(address)}/index/${index.name}`,
      dimension: "index",
    })),
  ];
}

describe.each(VARIANTS)("$label", ({ name, stack: synthesized }) => {
  const stack = synthesized();
  const tables = tablesOf(stack);
  const targets = Object.entries(resourcesOf(stack, "aws_appautoscaling_target"));
  const policies = Object.values(resourcesOf(stack, "aws_appautoscaling_policy"));
  const insights = Object.values(resourcesOf(stack, "aws_dynamodb_contributor_insights"));

  test("every table expires items with TTL", () => {
    for (const [address, table] of tables) {
      expect([address, table.ttl]).toEqual([address, { attribute_name: expect.stringMatching(/.+/), enabled: true }]);
    }
  });

  test("every provisioned table and each of its GSIs has a read and a write target, each with a target-tracking policy", () => {
    for (const [address, table] of tables.filter(([, table]) => table.billing_mode === "PROVISIONED")) {
      for (const { what, resourceId, dimension } of scopesOf(address, table)) {
        for (const [kind, metric] of [
          ["Read", "DynamoDBReadCapacityUtilization"],
          ["Write", "DynamoDBWriteCapacityUtilization"],
        ]) {
          const found = targets.filter(
            ([, target]) => target.resource_id === resourceId && target.scalable_dimension === `dynamodb:${dimension}:${kind}CapacityUnits`,
          );
          expect([what, kind, found.length]).toEqual([what, kind, 1]);
          const [targetAddress] = found[0];
          const policy = policies.find(
            (candidate) => candidate.resource_id === `\${aws_appautoscaling_target.${targetAddress}.resource_id}`,
          );
          expect([what, kind, policy]).toEqual([
            what,
            kind,
            expect.objectContaining({
              policy_type: "TargetTrackingScaling",
              target_tracking_scaling_policy_configuration: expect.objectContaining({
                predefined_metric_specification: { predefined_metric_type: metric },
              }),
            }),
          ]);
        }
      }
    }
  });

  test("every provisioned GSI is created with capacity, and Terraform leaves capacity to the autoscaler", () => {
    for (const [address, table] of tables.filter(([, table]) => table.billing_mode === "PROVISIONED")) {
      for (const index of indexesOf(table)) {
        expect([address, index.name, index.read_capacity, index.write_capacity]).toEqual([
          address,
          index.name,
          expect.any(Number),
          expect.any(Number),
        ]);
      }
      // Terraform never fights the autoscaler (a change pending in schema.lock.json, which lifts this for
      // its deploy, is tested in schema-lock-changes.test.ts).
      const ignored = (table.lifecycle as { ignore_changes?: string[] }).ignore_changes;
      const gsisIgnored = indexesOf(table).length > 0;
      expect([address, ignored]).toEqual([
        address,
        ["read_capacity", "write_capacity", ...(gsisIgnored ? ["global_secondary_index"] : [])],
      ]);
    }
  });

  test("every on-demand table and each of its GSIs is capped (on_demand_throughput), with no autoscaling", () => {
    for (const [address, table] of tables.filter(([, table]) => table.billing_mode === "PAY_PER_REQUEST")) {
      expect([address, table.on_demand_throughput]).toEqual([
        address,
        expect.objectContaining({ max_read_request_units: expect.any(Number) }),
      ]);
      for (const index of indexesOf(table)) {
        expect([address, index.name, index.on_demand_throughput]).toEqual([address, index.name, expect.any(Object)]);
      }
      expect(targets.filter(([, target]) => String(target.resource_id).startsWith(`table/${nameOf(address)}`))).toEqual([]);
    }
  });

  test("contributor insights: on every table and GSI in prod (THROTTLED_KEYS), on none elsewhere", () => {
    if (name !== "prod") {
      expect(insights).toEqual([]);
      return;
    }
    for (const [address, table] of tables) {
      const recorded = (indexName?: string) =>
        insights.filter((insight) => insight.table_name === nameOf(address) && insight.index_name === indexName);
      expect([address, recorded()]).toEqual([address, [expect.objectContaining({ mode: "THROTTLED_KEYS" })]]);
      for (const index of indexesOf(table)) {
        expect([address, index.name, recorded(index.name)]).toEqual([
          address,
          index.name,
          [expect.objectContaining({ mode: "THROTTLED_KEYS" })],
        ]);
      }
    }
    expect(insights).toHaveLength(tables.reduce((count, [, table]) => count + 1 + indexesOf(table).length, 0));
  });

  test("protection: prod keeps 35 days of PITR, deletion protection, prevent_destroy and its own KMS key on every table", () => {
    for (const [address, table] of tables) {
      const protection = [
        address,
        table.point_in_time_recovery,
        table.deletion_protection_enabled,
        (table.lifecycle as { prevent_destroy?: boolean }).prevent_destroy,
        table.server_side_encryption,
      ];
      const expected = {
        dev: [address, { enabled: false }, false, false, undefined],
        staging: [address, { enabled: true, recovery_period_in_days: 7 }, false, false, undefined],
        prod: [
          address,
          { enabled: true, recovery_period_in_days: 35 },
          true,
          true,
          { enabled: true, kms_key_arn: "${aws_kms_key.dynamodb_tables.arn}" },
        ],
      }[name];
      expect(protection).toEqual(expected);
    }
  });
});
