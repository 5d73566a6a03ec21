/**
 * Autoscaling of the shipped environments, read from the synthesized stacks and compared with the
 * values written out here (the construct itself is tested in capacity-autoscaling.test.ts).
 */
import { environmentInput, parse, resourcesOf, synthEnvironment, type EnvironmentName, type SynthesizedStack } from "../helpers/synth";

/** address -> [min_capacity, max_capacity] of its scalable target. */
type Ranges = Record<string, [number, number]>;

const STAGING: Ranges = {
  api_keys_read: [5, 100],
  api_keys_write: [1, 20],
  "api_keys_account_id-created_at-index_read": [5, 100],
  "api_keys_account_id-created_at-index_write": [1, 20],
  idempotency_keys_read: [2, 50],
  idempotency_keys_write: [2, 50],
  "idempotency_keys_account_id-created_at-index_read": [2, 50],
  "idempotency_keys_account_id-created_at-index_write": [2, 50],
  webhook_events_read: [2, 50],
  webhook_events_write: [2, 50],
  "webhook_events_status-next_retry_at-index_read": [2, 50],
  "webhook_events_status-next_retry_at-index_write": [2, 50],
  audit_logs_read: [1, 10],
  audit_logs_write: [2, 50],
  "audit_logs_actor_id-occurred_at_id-index_read": [1, 10],
  "audit_logs_actor_id-occurred_at_id-index_write": [2, 50],
};

const PROD: Ranges = {
  api_keys_read: [50, 4000],
  api_keys_write: [5, 200],
  "api_keys_account_id-created_at-index_read": [50, 4000],
  "api_keys_account_id-created_at-index_write": [5, 200],
  idempotency_keys_read: [25, 2000],
  idempotency_keys_write: [25, 2000],
  "idempotency_keys_account_id-created_at-index_read": [25, 2000],
  "idempotency_keys_account_id-created_at-index_write": [25, 2000],
  webhook_events_read: [10, 1000],
  webhook_events_write: [10, 1000],
  "webhook_events_status-next_retry_at-index_read": [10, 1000],
  "webhook_events_status-next_retry_at-index_write": [10, 1000],
  audit_logs_read: [5, 200],
  audit_logs_write: [25, 3000],
  "audit_logs_actor_id-occurred_at_id-index_read": [5, 200],
  "audit_logs_actor_id-occurred_at_id-index_write": [25, 3000],
};

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

const synthShipped = (name: EnvironmentName) => parse(synthEnvironment(environmentInput(name)));

test("GIVEN dev (all on demand) WHEN synthesized THEN no scalable target and no policy", () => {
  const stack = synthShipped("dev");

  expect(resourcesOf(stack, "aws_appautoscaling_target")).toEqual({});
  expect(resourcesOf(stack, "aws_appautoscaling_policy")).toEqual({});
});

describe.each([
  ["staging", STAGING],
  ["prod", PROD],
] as const)("%s (provisioned)", (name, expected) => {
  const stack = synthShipped(name);

  test("GIVEN the shipped config WHEN synthesized THEN a read and a write target for every table and GSI, within the configured range", () => {
    expect(targetRanges(stack)).toEqual(expected);
  });

  test("GIVEN the shipped config WHEN synthesized THEN every target has a policy at 70% utilization of its own metric, cooldowns 300 s in / 60 s out", () => {
    const settings = policySettings(stack);

    expect(Object.keys(settings).sort()).toEqual(Object.keys(expected).sort());
    for (const [address, setting] of Object.entries(settings)) {
      const metric = address.endsWith("_read") ? "DynamoDBReadCapacityUtilization" : "DynamoDBWriteCapacityUtilization";
      expect([address, ...setting]).toEqual([address, metric, 70, 300, 60]);
    }
  });
});

test("GIVEN staging with audit_logs switched to on demand WHEN synthesized THEN only audit_logs loses its targets", () => {
  const input = environmentInput("staging");
  input.tables.audit_logs.capacity = { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 10, maxWriteRequestUnits: 10 };

  const ranges = targetRanges(parse(synthEnvironment(input)));

  expect(Object.keys(ranges).sort()).toEqual(
    Object.keys(STAGING)
      .filter((address) => !address.startsWith("audit_logs"))
      .sort(),
  );
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
    ...PROD,
    "webhook_events_status-next_retry_at-index_read": [3, 30],
    "webhook_events_status-next_retry_at-index_write": [4, 40],
  });
});
