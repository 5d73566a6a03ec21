/**
 * OperationalTable on its own, in the AWS CDK style: a minimal hand-written definition and settings,
 * synthesized with Testing.synthScope, compared with literal Terraform JSON.
 */
import { Testing } from "cdktf";
import type { TableSettings } from "../../config/schema";
import { OperationalTable, type OperationalTableProps, type TableProtection } from "../../stacks/operational-table";
import type { TableDefinition } from "../../tables";
import { parse } from "../helpers/synth";

const ORDERS: TableDefinition = {
  id: "orders",
  description: "orders of a test shop",
  partitionKey: { name: "order_id", type: "S" },
  timeToLiveAttribute: "expires_at",
  globalIndexes: [
    {
      name: "by-customer",
      partitionKey: { name: "customer_id", type: "S" },
      sortKey: { name: "placed_at", type: "N" },
      projection: { type: "KEYS_ONLY" },
      servesPattern: "a customer's orders, newest first",
    },
  ],
};

const ON_DEMAND: TableSettings = {
  capacity: { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 100, maxWriteRequestUnits: 10, indexes: {} },
};

const range = (min: number, max: number) => ({ min, max, targetUtilization: 70, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 });
const PROVISIONED: TableSettings = {
  capacity: { mode: "PROVISIONED", read: range(5, 50), write: range(2, 20), indexes: {} },
};

const UNPROTECTED: TableProtection = {
  pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: 35 },
  deletionProtection: false,
  preventDestroy: false,
};

function synth(overrides: Partial<OperationalTableProps> = {}) {
  const props: OperationalTableProps = {
    definition: ORDERS,
    tableName: "shop_orders",
    settings: ON_DEMAND,
    protection: UNPROTECTED,
    breakGlassRoleArn: "arn:aws:iam::111111111111:role/break-glass",
    ...overrides,
  };
  return parse(
    Testing.synthScope((scope) => {
      new OperationalTable(scope, "orders", props);
    }),
  );
}

describe("OperationalTable", () => {
  test("GIVEN an on-demand definition WHEN synthesized THEN one capped table with TTL and its keys, nothing else", () => {
    const stack = synth();

    expect(Object.keys(stack.resource)).toEqual(["aws_dynamodb_table"]);
    expect(stack.resource.aws_dynamodb_table).toEqual({
      orders: {
        name: "shop_orders",
        billing_mode: "PAY_PER_REQUEST",
        hash_key: "order_id",
        attribute: [
          { name: "order_id", type: "S" },
          { name: "customer_id", type: "S" },
          { name: "placed_at", type: "N" },
        ],
        global_secondary_index: [
          {
            name: "by-customer",
            hash_key: "customer_id",
            range_key: "placed_at",
            projection_type: "KEYS_ONLY",
            on_demand_throughput: { max_read_request_units: 100, max_write_request_units: 10 },
          },
        ],
        on_demand_throughput: { max_read_request_units: 100, max_write_request_units: 10 },
        ttl: { attribute_name: "expires_at", enabled: true },
        stream_enabled: false,
        table_class: "STANDARD",
        point_in_time_recovery: { enabled: false },
        deletion_protection_enabled: false,
        lifecycle: { prevent_destroy: false },
      },
    });
  });

  test("GIVEN any table WHEN synthesized THEN it exports its name, ARN and index names under static ids", () => {
    expect(synth().output).toEqual({
      orders_table_name: { value: "${aws_dynamodb_table.orders.name}", description: "Name of the orders table" },
      orders_table_arn: { value: "${aws_dynamodb_table.orders.arn}", description: "ARN of the orders table" },
      orders_index_names: { value: ["by-customer"], description: "Global secondary index names of the orders table" },
    });
  });

  test("GIVEN per-index on-demand caps WHEN synthesized THEN the index gets its own caps and the table keeps its own", () => {
    const settings: TableSettings = {
      ...ON_DEMAND,
      capacity: { ...ON_DEMAND.capacity, indexes: { "by-customer": { maxReadRequestUnits: 7, maxWriteRequestUnits: 3 } } },
    } as TableSettings;

    const table = synth({ settings }).resource.aws_dynamodb_table.orders;

    expect(table.on_demand_throughput).toEqual({ max_read_request_units: 100, max_write_request_units: 10 });
    expect(table.global_secondary_index).toEqual([
      expect.objectContaining({ on_demand_throughput: { max_read_request_units: 7, max_write_request_units: 3 } }),
    ]);
  });

  test("GIVEN provisioned capacity WHEN synthesized THEN the table and its index start at min and Terraform ignores what the autoscaler owns", () => {
    const table = synth({ settings: PROVISIONED }).resource.aws_dynamodb_table.orders;

    expect(table).toEqual(
      expect.objectContaining({
        billing_mode: "PROVISIONED",
        read_capacity: 5,
        write_capacity: 2,
        global_secondary_index: [
          {
            name: "by-customer",
            hash_key: "customer_id",
            range_key: "placed_at",
            projection_type: "KEYS_ONLY",
            read_capacity: 5,
            write_capacity: 2,
          },
        ],
        lifecycle: { prevent_destroy: false, ignore_changes: ["read_capacity", "write_capacity", "global_secondary_index"] },
      }),
    );
    expect(table.on_demand_throughput).toBeUndefined();
  });

  test("GIVEN provisioned capacity with a GSI change pending WHEN synthesized THEN only the table's capacity is ignored", () => {
    const pending = { applyIndexChanges: true, applyBillingModeSwitch: false };
    const table = synth({ settings: PROVISIONED, pending }).resource.aws_dynamodb_table.orders;

    expect(table.lifecycle).toEqual({ prevent_destroy: false, ignore_changes: ["read_capacity", "write_capacity"] });
  });

  test("GIVEN provisioned capacity with a switch to PROVISIONED pending WHEN synthesized THEN nothing is ignored", () => {
    const pending = { applyIndexChanges: false, applyBillingModeSwitch: true };
    const table = synth({ settings: PROVISIONED, pending }).resource.aws_dynamodb_table.orders;

    expect(table.lifecycle).toEqual({ prevent_destroy: false });
  });

  test("GIVEN provisioned capacity WHEN synthesized THEN read and write targets for the table and its index, created after the table", () => {
    const targets = synth({ settings: PROVISIONED }).resource.aws_appautoscaling_target;

    expect(targets).toEqual({
      orders_read: {
        service_namespace: "dynamodb",
        resource_id: "table/${aws_dynamodb_table.orders.name}",
        scalable_dimension: "dynamodb:table:ReadCapacityUnits",
        min_capacity: 5,
        max_capacity: 50,
      },
      orders_write: {
        service_namespace: "dynamodb",
        resource_id: "table/${aws_dynamodb_table.orders.name}",
        scalable_dimension: "dynamodb:table:WriteCapacityUnits",
        min_capacity: 2,
        max_capacity: 20,
      },
      "orders_by-customer_read": {
        service_namespace: "dynamodb",
        resource_id: "table/${aws_dynamodb_table.orders.name}/index/by-customer",
        scalable_dimension: "dynamodb:index:ReadCapacityUnits",
        min_capacity: 5,
        max_capacity: 50,
      },
      "orders_by-customer_write": {
        service_namespace: "dynamodb",
        resource_id: "table/${aws_dynamodb_table.orders.name}/index/by-customer",
        scalable_dimension: "dynamodb:index:WriteCapacityUnits",
        min_capacity: 2,
        max_capacity: 20,
      },
    });
  });

  test("GIVEN provisioned capacity WHEN synthesized THEN every target has a target-tracking policy under the same address", () => {
    const policies = synth({ settings: PROVISIONED }).resource.aws_appautoscaling_policy;

    expect(Object.keys(policies).sort()).toEqual(["orders_by-customer_read", "orders_by-customer_write", "orders_read", "orders_write"]);
    expect(policies["orders_by-customer_write"]).toEqual(
      expect.objectContaining({
        name: "orders_by-customer_write-target-tracking",
        resource_id: "${aws_appautoscaling_target.orders_by-customer_write.resource_id}",
      }),
    );
  });

  test("GIVEN an index range of its own WHEN synthesized THEN the index starts at and scales within that range", () => {
    const settings = {
      ...PROVISIONED,
      capacity: { ...PROVISIONED.capacity, indexes: { "by-customer": { read: range(3, 30), write: range(1, 9) } } },
    } as TableSettings;

    const stack = synth({ settings });

    expect(stack.resource.aws_dynamodb_table.orders.global_secondary_index).toEqual([
      expect.objectContaining({ read_capacity: 3, write_capacity: 1 }),
    ]);
    expect(stack.resource.aws_appautoscaling_target["orders_by-customer_read"]).toEqual(
      expect.objectContaining({ min_capacity: 3, max_capacity: 30 }),
    );
    expect(stack.resource.aws_appautoscaling_target["orders_by-customer_write"]).toEqual(
      expect.objectContaining({ min_capacity: 1, max_capacity: 9 }),
    );
    expect(stack.resource.aws_appautoscaling_target.orders_read).toEqual(expect.objectContaining({ min_capacity: 5, max_capacity: 50 }));
  });

  test("GIVEN full protection WHEN synthesized THEN PITR with its window, deletion protection, prevent_destroy and the KMS key", () => {
    const protection: TableProtection = {
      pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 7 },
      deletionProtection: true,
      preventDestroy: true,
      kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/abcd",
    };

    const table = synth({ protection }).resource.aws_dynamodb_table.orders;

    expect(table).toEqual(
      expect.objectContaining({
        point_in_time_recovery: { enabled: true, recovery_period_in_days: 7 },
        deletion_protection_enabled: true,
        server_side_encryption: { enabled: true, kms_key_arn: "arn:aws:kms:eu-west-1:111111111111:key/abcd" },
        lifecycle: { prevent_destroy: true },
      }),
    );
  });

  test("GIVEN a streamed, infrequent-access definition with a sort key WHEN synthesized THEN the stream, class and stream ARN output", () => {
    const definition: TableDefinition = {
      ...ORDERS,
      sortKey: { name: "line", type: "N" },
      globalIndexes: [],
      stream: "NEW_AND_OLD_IMAGES",
      tableClass: "STANDARD_INFREQUENT_ACCESS",
    };

    const stack = synth({ definition });

    expect(stack.resource.aws_dynamodb_table.orders).toEqual(
      expect.objectContaining({
        hash_key: "order_id",
        range_key: "line",
        attribute: [
          { name: "order_id", type: "S" },
          { name: "line", type: "N" },
        ],
        stream_enabled: true,
        stream_view_type: "NEW_AND_OLD_IMAGES",
        table_class: "STANDARD_INFREQUENT_ACCESS",
      }),
    );
    expect(stack.output.orders_stream_arn).toEqual({
      value: "${aws_dynamodb_table.orders.stream_arn}",
      description: "ARN of the orders change stream (NEW_AND_OLD_IMAGES)",
    });
  });

  test("GIVEN a definition that is not append-only WHEN synthesized THEN no resource policy", () => {
    expect(synth().resource.aws_dynamodb_resource_policy).toBeUndefined();
  });

  test("GIVEN an append-only definition WHEN synthesized THEN a resource policy on the table exempting only the break-glass role", () => {
    const policy = synth({ definition: { ...ORDERS, appendOnly: true } }).resource.aws_dynamodb_resource_policy.orders;

    expect(policy.resource_arn).toBe("${aws_dynamodb_table.orders.arn}");
    expect(JSON.parse(policy.policy as string).Statement).toEqual([
      expect.objectContaining({
        Effect: "Deny",
        Principal: "*",
        Resource: "${aws_dynamodb_table.orders.arn}",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/break-glass" } },
      }),
    ]);
  });

  test("GIVEN adoptExisting with its targets WHEN synthesized THEN import blocks by the literal table name and target ids", () => {
    const stack = synth({ settings: { ...PROVISIONED, adoptExisting: { autoscalingTargets: true } } });

    expect(stack.import).toEqual([
      { to: "aws_dynamodb_table.orders", id: "shop_orders" },
      { to: "aws_appautoscaling_target.orders_read", id: "dynamodb/table/shop_orders/dynamodb:table:ReadCapacityUnits" },
      { to: "aws_appautoscaling_target.orders_write", id: "dynamodb/table/shop_orders/dynamodb:table:WriteCapacityUnits" },
      {
        to: "aws_appautoscaling_target.orders_by-customer_read",
        id: "dynamodb/table/shop_orders/index/by-customer/dynamodb:index:ReadCapacityUnits",
      },
      {
        to: "aws_appautoscaling_target.orders_by-customer_write",
        id: "dynamodb/table/shop_orders/index/by-customer/dynamodb:index:WriteCapacityUnits",
      },
    ]);
  });

  test("GIVEN an index name with a dot WHEN synthesized THEN its targets' addresses replace the dot", () => {
    const definition: TableDefinition = { ...ORDERS, globalIndexes: [{ ...ORDERS.globalIndexes![0], name: "by.customer" }] };

    const targets = synth({ definition, settings: PROVISIONED }).resource.aws_appautoscaling_target;

    expect(Object.keys(targets).sort()).toEqual(["orders_by_customer_read", "orders_by_customer_write", "orders_read", "orders_write"]);
    expect(targets.orders_by_customer_read.resource_id).toBe("table/${aws_dynamodb_table.orders.name}/index/by.customer");
  });

  test("GIVEN a definition DynamoDB would refuse WHEN constructed THEN it fails naming the table and the field", () => {
    const definition: TableDefinition = {
      ...ORDERS,
      globalIndexes: [{ ...ORDERS.globalIndexes![0], partitionKey: { name: "order_id", type: "N" } }],
    };

    expect(() => synth({ definition })).toThrow(
      /Invalid table definition "orders" \(tables\/\):\n {2}- orders\.globalIndexes\[0\]\.partitionKey/,
    );
  });
});
