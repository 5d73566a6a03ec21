import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { TABLE_DEFINITIONS } from "../../tables";
import { ENVIRONMENT_NAMES, environmentInput, parse, resourcesOf, synthEnvironment } from "../helpers/synth";

describe.each(ENVIRONMENT_NAMES)("%s stack: autoscaling", (environmentName) => {
  const input = environmentInput(environmentName);
  const synthesized = synthEnvironment(input);
  const stack = parse(synthesized);
  const targets = resourcesOf(stack, "aws_appautoscaling_target");
  const policies = resourcesOf(stack, "aws_appautoscaling_policy");
  const provisioned = TABLE_DEFINITIONS.filter((table) => input.tables[table.id].capacity.mode === "PROVISIONED");

  test("one read and one write target per provisioned table and per GSI, each with one policy", () => {
    const expected = provisioned.reduce((count, table) => count + 2 * (1 + (table.globalIndexes?.length ?? 0)), 0);
    expect(Object.keys(targets)).toHaveLength(expected);
    expect(Object.keys(policies)).toHaveLength(expected);
    expect(Object.keys(policies).sort()).toEqual(Object.keys(targets).sort());
  });

  for (const table of provisioned) {
    const capacity = input.tables[table.id].capacity;
    if (capacity.mode !== "PROVISIONED") continue;
    const scopes = [
      { address: table.id, dimension: "table", resourceId: `table/\${aws_dynamodb_table.${table.id}.name}` },
      ...(table.globalIndexes ?? []).map((index) => ({
        address: `${table.id}_${index.name}`,
        dimension: "index",
        resourceId: `table/\${aws_dynamodb_table.${table.id}.name}/index/${index.name}`,
      })),
    ];
    for (const scope of scopes) {
      for (const kind of ["read", "write"] as const) {
        const unit = kind === "read" ? "ReadCapacityUnits" : "WriteCapacityUnits";
        const range = capacity[kind];
        test(`${scope.address}_${kind}: target references the table and uses the configured range`, () => {
          expect(synthesized).toHaveResourceWithProperties(AppautoscalingTarget, {
            service_namespace: "dynamodb",
            resource_id: scope.resourceId,
            scalable_dimension: `dynamodb:${scope.dimension}:${unit}`,
            min_capacity: range.min,
            max_capacity: range.max,
          });
          expect(targets[`${scope.address}_${kind}`]).toEqual(expect.objectContaining({ resource_id: scope.resourceId }));
        });
        test(`${scope.address}_${kind}: target-tracking policy on the ${kind} utilization metric`, () => {
          expect(synthesized).toHaveResourceWithProperties(AppautoscalingPolicy, {
            policy_type: "TargetTrackingScaling",
            resource_id: `\${aws_appautoscaling_target.${scope.address}_${kind}.resource_id}`,
            scalable_dimension: `\${aws_appautoscaling_target.${scope.address}_${kind}.scalable_dimension}`,
            target_tracking_scaling_policy_configuration: {
              predefined_metric_specification: {
                predefined_metric_type: kind === "read" ? "DynamoDBReadCapacityUtilization" : "DynamoDBWriteCapacityUtilization",
              },
              target_value: range.targetUtilization,
              scale_in_cooldown: 300,
              scale_out_cooldown: 60,
            },
          });
        });
      }
    }
  }

  if (provisioned.length === 0) {
    test("an all-on-demand environment has no autoscaling resources", () => {
      expect(targets).toEqual({});
      expect(policies).toEqual({});
    });
  }
});

test("a mixed environment autoscales only its provisioned tables", () => {
  const input = environmentInput("staging");
  input.tables.audit_logs.capacity = { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 10, maxWriteRequestUnits: 10 };
  const targets = Object.keys(resourcesOf(parse(synthEnvironment(input)), "aws_appautoscaling_target"));
  expect(targets).toHaveLength(12);
  expect(targets.filter((address) => address.startsWith("audit_logs"))).toEqual([]);
});
