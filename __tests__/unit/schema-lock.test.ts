/**
 * The schema guard's key and index rules, on its own small tables and environments
 * (helpers/schema-guard-world.ts); only the first test reads the shipped lock and code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../../config/environments";
import { validateEnvironments } from "../../config/validate";
import {
  SchemaLockError,
  acceptSchema,
  assertSchemaMatchesLock,
  currentSchema,
  pendingInLock,
  schemaChanges,
} from "../../guards/schema-lock";
import type { TableDefinition } from "../../tables";
import { DEFINITIONS, extraIndex, listOf, smallEnvironments, withTable } from "../helpers/schema-guard-world";

const environments = listOf(smallEnvironments());
const lock = currentSchema(environments, DEFINITIONS);
const messages = (definitions: readonly TableDefinition[], envs = environments) =>
  schemaChanges(lock, envs, definitions).map((change) => `[${change.kind}] ${change.message}`);

test("the committed schema.lock.json matches the shipped code (else review and run npm run schema:accept)", () => {
  const shipped = validateEnvironments(ENVIRONMENTS);
  const committed = JSON.parse(readFileSync(join(__dirname, "../../schema.lock.json"), "utf8"));
  expect(() => assertSchemaMatchesLock(committed, shipped)).not.toThrow();
  // Nothing but what schema:accept writes, with the changes the lock has pending (schema:applied ends them).
  expect(committed).toEqual(currentSchema(shipped, undefined, pendingInLock(committed)));
});

describe("schema lock", () => {
  test("a missing lock fails synth and says how to create it", () => {
    expect(() => assertSchemaMatchesLock(undefined, environments, DEFINITIONS)).toThrow(
      /dev: not recorded in schema\.lock\.json.*npm run schema:accept/,
    );
  });

  test("the lock records each table's physical name, keys and indexes", () => {
    expect(lock.environments.prod.tables.orders).toEqual(
      expect.objectContaining({
        tableName: "t_prod_orders",
        partitionKey: { name: "order_id", type: "S" },
        sortKey: null,
        globalIndexes: [
          {
            name: "status-due_at-index",
            partitionKey: { name: "status", type: "S" },
            sortKey: { name: "due_at", type: "N" },
            projection: "KEYS_ONLY",
          },
        ],
      }),
    );
    expect(lock.environments.dev.tables.ledger.globalIndexes[0].projection).toBe("INCLUDE(action)");
  });

  test("changing a table's partition key fails with the replacement procedure", () => {
    const changed = withTable("orders", (t) => ({ ...t, partitionKey: { name: "order_ref", type: "S" } }));
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\[unsafe\] prod\.orders\.partitionKey: order_id -> order_ref: this forces Terraform to replace the table.*Safe procedure: add a new table/,
        ),
      ]),
    );
    expect(() => assertSchemaMatchesLock(lock, environments, changed)).toThrow(SchemaLockError);
  });

  test("changing an index key's type fails as unsafe: the provider would silently ignore it", () => {
    const changed = withTable("orders", (t) => ({
      ...t,
      globalIndexes: [{ ...t.globalIndexes![0], sortKey: { name: "due_at", type: "S" } }],
    }));
    const found = messages(changed);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\[unsafe\] staging\.orders\.attribute "due_at": type N -> S\. The AWS provider silently ignores.*Safe procedure/,
        ),
      ]),
    );
    expect(found.filter((m) => m.includes("keys or projection changed in place"))).toEqual([]);
  });

  test("a renamed table (prefix change) fails as an unsafe replacement", () => {
    const renamed = smallEnvironments();
    renamed.dev.tableNamePrefix = "x_dev_";
    expect(messages(DEFINITIONS, listOf(renamed))).toEqual(
      expect.arrayContaining([expect.stringContaining('[unsafe] dev.orders.tableName: "t_dev_orders" -> "x_dev_orders"')]),
    );
  });

  test("adding two GSIs to one table in one change fails as unsafe", () => {
    const changed = withTable("orders", (t) => ({
      ...t,
      globalIndexes: [...t.globalIndexes!, extraIndex("a-index"), extraIndex("b-index")],
    }));
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\[unsafe\] dev\.orders\.globalIndexes: adds \[a-index, b-index\].*one .*index creation or deletion per table update/,
        ),
      ]),
    );
  });

  test("one GSI added to an on-demand table is a change to review", () => {
    const changed = withTable("orders", (t) => ({ ...t, globalIndexes: [...t.globalIndexes!, extraIndex()] }));
    expect(messages(changed)).toContain('[review] dev.orders.globalIndexes: adds index "owner-index"');
  });

  test("one GSI added to an autoscaled table is a change to review, recorded as pending", () => {
    const changed = withTable("orders", (t) => ({ ...t, globalIndexes: [...t.globalIndexes!, extraIndex()] }));
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[review\] prod\.orders\.globalIndexes: adds index "owner-index"; autoscaled, so recorded as pending/),
      ]),
    );
  });

  test("changing an index's projection in place fails as unsafe", () => {
    const changed = withTable("ledger", (t) => ({ ...t, globalIndexes: [{ ...t.globalIndexes![0], projection: { type: "ALL" } }] }));
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[unsafe\] dev\.ledger\.globalIndexes\.actor-index: keys or projection changed in place/),
      ]),
    );
  });

  test("a table removed from the code is flagged as destroying its data", () => {
    const changed = DEFINITIONS.filter((t) => t.id !== "orders");
    expect(messages(changed)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\[unsafe\] prod\.orders: removed from the code; the next apply destroys the table/)]),
    );
  });

  test("a new table is a change to review", () => {
    const events: TableDefinition = {
      id: "events",
      description: "test",
      partitionKey: { name: "id", type: "S" },
      timeToLiveAttribute: "ttl",
    };
    const grown = smallEnvironments();
    for (const environment of listOf(grown)) environment.tables.events = grown.dev.tables.orders;
    expect(messages([...DEFINITIONS, events], listOf(grown))).toEqual([
      "[review] dev.events: new table, not recorded in schema.lock.json; run `npm run schema:accept`",
      "[review] staging.events: new table, not recorded in schema.lock.json; run `npm run schema:accept`",
      "[review] prod.events: new table, not recorded in schema.lock.json; run `npm run schema:accept`",
    ]);
  });

  test("schema:accept records a reviewed key change, after which synth passes", () => {
    const changed = withTable("orders", (t) => ({ ...t, partitionKey: { name: "order_ref", type: "S" } }));
    expect(() => assertSchemaMatchesLock(lock, environments, changed)).toThrow(/partitionKey: order_id -> order_ref/);
    const { changes, accepted } = acceptSchema(lock, environments, changed);
    expect(changes.map((c) => c.kind)).toEqual(["unsafe", "unsafe", "unsafe"]);
    expect(accepted!.environments.prod.tables.orders.partitionKey).toEqual({ name: "order_ref", type: "S" });
    expect(() => assertSchemaMatchesLock(accepted, environments, changed)).not.toThrow();
  });

  test("schema:accept records an index key's type change, after which synth passes", () => {
    const changed = withTable("orders", (t) => ({
      ...t,
      globalIndexes: [{ ...t.globalIndexes![0], sortKey: { name: "due_at", type: "S" } }],
    }));
    const { accepted } = acceptSchema(lock, environments, changed);
    expect(accepted!.environments.staging.tables.orders.globalIndexes[0].sortKey).toEqual({ name: "due_at", type: "S" });
    expect(() => assertSchemaMatchesLock(accepted, environments, changed)).not.toThrow();
  });
});
