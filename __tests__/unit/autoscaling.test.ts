/**
 * Autoscaling of the shipped environments, read from the synthesized stacks: every scalable target
 * follows the range its environment configures for its table (or index), and every policy tracks
 * its own metric at the configured target. The construct itself is tested in
 * capacity-autoscaling.test.ts; that every table and GSI has both targets is a rule in
 * table-rules.test.ts; the values are pinned by the reviewed snapshots.
 */
import { environmentInput, parse, resourcesOf, synthEnvironment, type EnvironmentName, type SynthesizedStack } from "../helpers/synth";

/** address -> [min_capacity, max_capacity] of its scalable target. */
type Ranges = Record<string, [number, number]>;

const targetRanges = (stack: SynthesizedStack): Ranges =>
  Object.fromEntries(
    Object.entries(resourcesOf(stack, "aws_appautoscaling_target")).map(([address, target]) => [
      address,
      [target.min_capacity as number, target.max_capacity as number],
    ]),
  );

/** address -> [metric, target value, scale-in cooldown, scale-out cooldown] of its policy. */
const policySettings = (stack: SynthesizedStack) =>
  Object.fromEntries(
    Object.entries(resourcesOf(stack, "aws_appautoscaling_policy")).map(([address, policy]) => {
      const configuration = policy.target_tracking_scaling_policy_configuration as {
        predefined_metric_specification: { predefined_metric_type: string };
        target_value: number;
        scale_in_cooldown: number;
        scale_out_cooldown: number;
      };
      return [
        address,
        [
          configuration.predefined_metric_specification.predefined_metric_type,
          configuration.target_value,
          configuration.scale_in_cooldown,
          configuration.scale_out_cooldown,
        ],
      ];
    }),
  );

/** The table a target belongs to: the longest table id its address starts with. */
const tableOf = (address: string, tableIds: string[]) =>
  tableIds.filter((id) => address.startsWith(`${id}_`)).sort((a, b) => b.length - a.length)[0];

const synthShipped = (name: EnvironmentName) => parse(synthEnvironment(environmentInput(name)));

// That on-demand tables have no targets is a rule in table-rules.test.ts.
describe.each(["dev", "staging", "prod"] as const)("%s", (name) => {
  const input = environmentInput(name);
  const stack = synthShipped(name);
  const tableIds = Object.keys(input.tables);

  test("GIVEN the shipped config WHEN synthesized THEN every target's range is its table's configured read or write range", () => {
    const ranges = targetRanges(stack);
    for (const [address, range] of Object.entries(ranges)) {
      const tableId = tableOf(address, tableIds);
      const capacity = input.tables[tableId as keyof typeof input.tables].capacity;
      if (capacity.mode !== "PROVISIONED") throw new Error(`${address}: a target on an on-demand table`);
      // An index with its own entry in capacity.indexes uses it; every other scope the table's.
      const [, own] = Object.entries(capacity.indexes ?? {}).find(([index]) => address.startsWith(`${tableId}_${index}_`)) ?? [];
      const configured = address.endsWith("_read") ? (own ?? capacity).read : (own ?? capacity).write;
      expect([address, ...range]).toEqual([address, configured.min, configured.max]);
    }
  });

  test("GIVEN the shipped config WHEN synthesized THEN every target has a policy at 70% utilization of its own metric, cooldowns 300 s in / 60 s out", () => {
    const settings = policySettings(stack);

    expect(Object.keys(settings).sort()).toEqual(Object.keys(targetRanges(stack)).sort());
    for (const [address, setting] of Object.entries(settings)) {
      const metric = address.endsWith("_read") ? "DynamoDBReadCapacityUtilization" : "DynamoDBWriteCapacityUtilization";
      expect([address, ...setting]).toEqual([address, metric, 70, 300, 60]);
    }
  });
});

test("GIVEN staging with audit_logs switched to on demand WHEN synthesized THEN only audit_logs loses its targets", () => {
  const provisioned = environmentInput("staging");
  provisioned.tables.audit_logs.capacity = {
    mode: "PROVISIONED",
    read: { min: 1, max: 10, targetUtilization: 70 },
    write: { min: 1, max: 10, targetUtilization: 70 },
  };
  const input = environmentInput("staging");
  input.tables.audit_logs.capacity = { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 10, maxWriteRequestUnits: 10 };
  const before = Object.keys(targetRanges(parse(synthEnvironment(provisioned))));

  const after = Object.keys(targetRanges(parse(synthEnvironment(input))));

  expect(before.filter((address) => address.startsWith("audit_logs_"))).not.toEqual([]);
  expect(after.sort()).toEqual(before.filter((address) => !address.startsWith("audit_logs_")).sort());
});

test("GIVEN a per-index range on prod's webhook_events WHEN synthesized THEN only that index's targets use it", () => {
  const input = environmentInput("prod");
  const read = { min: 3, max: 30, targetUtilization: 50 };
  const write = { min: 4, max: 40, targetUtilization: 50 };
  input.tables.webhook_events.capacity = {
    mode: "PROVISIONED",
    read: { min: 10, max: 1000, targetUtilization: 70 },
    write: { min: 10, max: 1000, targetUtilization: 70 },
    indexes: { "status-next_retry_at-index": { read, write } },
  };

  const ranges = targetRanges(parse(synthEnvironment(input)));

  expect(ranges).toEqual({
    ...targetRanges(synthShipped("prod")),
    "webhook_events_status-next_retry_at-index_read": [3, 30],
    "webhook_events_status-next_retry_at-index_write": [4, 40],
  });
});
