import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { ENVIRONMENT_NAMES, environmentInput, parse, resourcesOf, synthEnvironment } from "../helpers/synth";

/**
 * The key contract of docs/tables.md, written out independently of tables/: the keys, attributes and
 * indexes services depend on. A table may gain attributes and indexes (reviewed in the stack
 * snapshots); none of these may change or disappear.
 */
const CONTRACT = {
  api_keys: {
    hash_key: "api_key_hash",
    attribute: expect.arrayContaining([
      { name: "api_key_hash", type: "S" },
      { name: "account_id", type: "S" },
      { name: "created_at", type: "S" },
    ]),
    global_secondary_index: expect.arrayContaining([
      expect.objectContaining({
        name: "account_id-created_at-index",
        hash_key: "account_id",
        range_key: "created_at",
        projection_type: "ALL",
      }),
    ]),
  },
  idempotency_keys: {
    hash_key: "idempotency_key",
    attribute: expect.arrayContaining([
      { name: "idempotency_key", type: "S" },
      { name: "account_id", type: "S" },
      { name: "created_at", type: "S" },
    ]),
    global_secondary_index: expect.arrayContaining([
      expect.objectContaining({
        name: "account_id-created_at-index",
        hash_key: "account_id",
        range_key: "created_at",
        projection_type: "INCLUDE",
        non_key_attributes: ["status", "service", "expires_at"],
      }),
    ]),
  },
  webhook_events: {
    hash_key: "event_id",
    attribute: expect.arrayContaining([
      { name: "event_id", type: "S" },
      { name: "status", type: "S" },
      { name: "next_retry_at", type: "N" },
    ]),
    global_secondary_index: expect.arrayContaining([
      expect.objectContaining({
        name: "status-next_retry_at-index",
        hash_key: "status",
        range_key: "next_retry_at",
        projection_type: "ALL",
      }),
    ]),
  },
  audit_logs: {
    hash_key: "account_id",
    range_key: "occurred_at_id",
    attribute: expect.arrayContaining([
      { name: "account_id", type: "S" },
      { name: "occurred_at_id", type: "S" },
      { name: "actor_id", type: "S" },
    ]),
    global_secondary_index: expect.arrayContaining([
      expect.objectContaining({
        name: "actor_id-occurred_at_id-index",
        hash_key: "actor_id",
        range_key: "occurred_at_id",
        projection_type: "INCLUDE",
        non_key_attributes: ["action", "resource_type", "resource_id", "expires_at"],
      }),
    ]),
  },
};

describe.each(ENVIRONMENT_NAMES)("%s stack: tables", (environmentName) => {
  const input = environmentInput(environmentName);
  const synthesized = synthEnvironment(input);
  const stack = parse(synthesized);
  const tables = resourcesOf(stack, "aws_dynamodb_table");

  test("has exactly the four tables at stable addresses", () => {
    expect(Object.keys(tables).sort()).toEqual(["api_keys", "audit_logs", "idempotency_keys", "webhook_events"]);
  });

  test.each(Object.entries(CONTRACT))("%s has the keys and GSIs of the table contract, named with the prefix", (id, contract) => {
    expect(synthesized).toHaveResourceWithProperties(DynamodbTable, {
      ...contract,
      name: `${input.tableNamePrefix}${id}`,
    });
    expect(tables[id].range_key).toBe((contract as { range_key?: string }).range_key);
  });

  test.each(Object.keys(CONTRACT))("%s has TTL enabled on expires_at", (id) => {
    expect(tables[id].ttl).toEqual({ attribute_name: "expires_at", enabled: true });
  });

  test("only audit_logs streams, with NEW_IMAGE", () => {
    expect(synthesized).toHaveResourceWithProperties(DynamodbTable, {
      name: `${input.tableNamePrefix}audit_logs`,
      stream_enabled: true,
      stream_view_type: "NEW_IMAGE",
      table_class: "STANDARD_INFREQUENT_ACCESS",
    });
    for (const id of ["api_keys", "idempotency_keys", "webhook_events"]) {
      expect(tables[id].stream_enabled).toBe(false);
      expect(tables[id].stream_view_type).toBeUndefined();
    }
  });

  test.each(Object.keys(CONTRACT))("%s is billed as configured", (id) => {
    const capacity = input.tables[id as keyof typeof input.tables].capacity;
    const table = tables[id];
    expect(table.billing_mode).toBe(capacity.mode);
    if (capacity.mode === "PAY_PER_REQUEST") {
      const caps = { max_read_request_units: capacity.maxReadRequestUnits, max_write_request_units: capacity.maxWriteRequestUnits };
      expect(table.on_demand_throughput).toEqual(caps);
      expect(table.read_capacity).toBeUndefined();
      for (const index of table.global_secondary_index as object[])
        expect(index).toEqual(expect.objectContaining({ on_demand_throughput: caps }));
      expect((table.lifecycle as { ignore_changes?: unknown }).ignore_changes).toBeUndefined();
    } else {
      expect(table.read_capacity).toBe(capacity.read.min);
      expect(table.write_capacity).toBe(capacity.write.min);
      expect(table.on_demand_throughput).toBeUndefined();
      for (const index of table.global_secondary_index as object[]) {
        expect(index).toEqual(expect.objectContaining({ read_capacity: capacity.read.min, write_capacity: capacity.write.min }));
      }
      // Terraform must not fight the autoscaler (a change pending in the lock is tested in schema-lock-changes.test.ts).
      expect((table.lifecycle as { ignore_changes?: string[] }).ignore_changes).toEqual([
        "read_capacity",
        "write_capacity",
        "global_secondary_index",
      ]);
    }
  });
});

describe("index overrides and GSI change mode", () => {
  test("a GSI takes its own autoscaling range when the config names it", () => {
    const input = environmentInput("staging");
    const range = { min: 3, max: 30, targetUtilization: 50 };
    input.tables.webhook_events.capacity = {
      mode: "PROVISIONED",
      read: { min: 2, max: 50, targetUtilization: 70 },
      write: { min: 2, max: 50, targetUtilization: 70 },
      indexes: { "status-next_retry_at-index": { read: range, write: range } },
    };
    const stack = parse(synthEnvironment(input));
    expect(resourcesOf(stack, "aws_dynamodb_table").webhook_events.global_secondary_index).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "status-next_retry_at-index", read_capacity: 3, write_capacity: 3 })]),
    );
    expect(resourcesOf(stack, "aws_appautoscaling_target")["webhook_events_status-next_retry_at-index_read"]).toEqual(
      expect.objectContaining({ min_capacity: 3, max_capacity: 30 }),
    );
  });
});
