/**
 * CapacityAutoscaling on its own, in the AWS CDK style: hand-written props, synthesized with
 * Testing.synthScope, compared with literal Terraform JSON.
 */
import { Testing } from "cdktf";
import { CapacityAutoscaling, type CapacityAutoscalingProps } from "../../stacks/capacity-autoscaling";
import { parse } from "../helpers/synth";

const TABLE_READ: CapacityAutoscalingProps = {
  resourceId: "table/shop_orders",
  scope: "table",
  kind: "read",
  range: { min: 5, max: 50, targetUtilization: 70, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 },
  address: "orders_read",
};

function synth(props: CapacityAutoscalingProps) {
  return parse(
    Testing.synthScope((scope) => {
      new CapacityAutoscaling(scope, "autoscaling", props);
    }),
  );
}

describe("CapacityAutoscaling", () => {
  test("GIVEN a table's read range WHEN synthesized THEN a scalable target bounded by min and max at the given address", () => {
    expect(synth(TABLE_READ).resource.aws_appautoscaling_target).toEqual({
      orders_read: {
        service_namespace: "dynamodb",
        resource_id: "table/shop_orders",
        scalable_dimension: "dynamodb:table:ReadCapacityUnits",
        min_capacity: 5,
        max_capacity: 50,
      },
    });
  });

  test("GIVEN a table's read range WHEN synthesized THEN a target-tracking policy on read utilization, bound to the target", () => {
    expect(synth(TABLE_READ).resource.aws_appautoscaling_policy).toEqual({
      orders_read: {
        name: "orders_read-target-tracking",
        policy_type: "TargetTrackingScaling",
        service_namespace: "${aws_appautoscaling_target.orders_read.service_namespace}",
        resource_id: "${aws_appautoscaling_target.orders_read.resource_id}",
        scalable_dimension: "${aws_appautoscaling_target.orders_read.scalable_dimension}",
        target_tracking_scaling_policy_configuration: {
          predefined_metric_specification: { predefined_metric_type: "DynamoDBReadCapacityUtilization" },
          target_value: 70,
          scale_in_cooldown: 300,
          scale_out_cooldown: 60,
        },
      },
    });
  });

  test("GIVEN an index's write range WHEN synthesized THEN the index write dimension and the write utilization metric", () => {
    const stack = synth({
      ...TABLE_READ,
      resourceId: "table/shop_orders/index/by-customer",
      scope: "index",
      kind: "write",
      address: "orders_by-customer_write",
    });

    expect(stack.resource.aws_appautoscaling_target["orders_by-customer_write"]).toEqual(
      expect.objectContaining({
        resource_id: "table/shop_orders/index/by-customer",
        scalable_dimension: "dynamodb:index:WriteCapacityUnits",
      }),
    );
    expect(stack.resource.aws_appautoscaling_policy["orders_by-customer_write"].target_tracking_scaling_policy_configuration).toEqual(
      expect.objectContaining({ predefined_metric_specification: { predefined_metric_type: "DynamoDBWriteCapacityUtilization" } }),
    );
  });

  test("GIVEN a target utilization and cooldowns WHEN synthesized THEN the policy uses them as given", () => {
    const stack = synth({
      ...TABLE_READ,
      range: { min: 1, max: 2, targetUtilization: 45.5, scaleInCooldownSeconds: 900, scaleOutCooldownSeconds: 0 },
    });

    expect(stack.resource.aws_appautoscaling_policy.orders_read.target_tracking_scaling_policy_configuration).toEqual({
      predefined_metric_specification: { predefined_metric_type: "DynamoDBReadCapacityUtilization" },
      target_value: 45.5,
      scale_in_cooldown: 900,
      scale_out_cooldown: 0,
    });
  });

  test("GIVEN no importResourceId WHEN synthesized THEN nothing is imported", () => {
    expect(synth(TABLE_READ).import).toBeUndefined();
  });

  test("GIVEN an importResourceId WHEN synthesized THEN the target is imported by namespace, resource id and dimension", () => {
    const stack = synth({ ...TABLE_READ, resourceId: "table/${aws_dynamodb_table.orders.name}", importResourceId: "table/shop_orders" });

    expect(stack.import).toEqual([
      { to: "aws_appautoscaling_target.orders_read", id: "dynamodb/table/shop_orders/dynamodb:table:ReadCapacityUnits" },
    ]);
  });
});
