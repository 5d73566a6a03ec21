import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../../config/environments";
import { validateEnvironments } from "../../config/validate";
import { SchemaLockError, acceptSchema, assertSchemaMatchesLock, currentSchema, schemaChanges } from "../../guards/schema-lock";
import { TABLE_DEFINITIONS, type GlobalIndexDefinition, type TableDefinition } from "../../tables";
import { environmentInput } from "../helpers/synth";

const environments = validateEnvironments(ENVIRONMENTS);
const lock = currentSchema(environments);
const replace = (id: string, change: (table: TableDefinition) => TableDefinition) =>
  TABLE_DEFINITIONS.map((table) => (table.id === id ? change(table) : table));
const extraIndex = (name: string): GlobalIndexDefinition => ({
  name,
  partitionKey: { name: "owner_id", type: "S" },
  projection: { type: "KEYS_ONLY" },
  servesPattern: "test",
});
const messages = (definitions: readonly TableDefinition[], envs = environments) =>
  schemaChanges(lock, envs, definitions).map((change) => `[${change.kind}] ${change.message}`);

describe("schema lock", () => {
  test("the committed schema.lock.json matches the code", () => {
    const committed = JSON.parse(readFileSync(join(__dirname, "../../schema.lock.json"), "utf8"));
    expect(committed).toEqual(lock);
    expect(() => assertSchemaMatchesLock(committed, environments)).not.toThrow();
  });

  test("a missing lock fails synth and says how to create it", () => {
    expect(() => assertSchemaMatchesLock(undefined, environments)).toThrow(
      /dev: not recorded in schema\.lock\.json.*npm run schema:accept/,
    );
  });

  test("changing api_keys's partition key fails with the replacement procedure", () => {
    const changed = replace("api_keys", (t) => ({ ...t, partitionKey: { name: "key_id", type: "S" } }));
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\[unsafe\] prod\.api_keys\.partitionKey: api_key_hash -> key_id: this forces Terraform to replace the table.*Safe procedure: add a new table/,
        ),
      ]),
    );
    expect(() => assertSchemaMatchesLock(lock, environments, changed)).toThrow(SchemaLockError);
  });

  test("changing next_retry_at's type fails as unsafe: the provider would silently ignore it", () => {
    const changed = replace("webhook_events", (t) => ({
      ...t,
      globalIndexes: [{ ...t.globalIndexes![0], sortKey: { name: "next_retry_at", type: "S" } }],
    }));
    const found = messages(changed);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\[unsafe\] staging\.webhook_events\.attribute "next_retry_at": type N -> S\. The AWS provider silently ignores.*Safe procedure/,
        ),
      ]),
    );
    expect(found.filter((m) => m.includes("keys or projection changed in place"))).toEqual([]);
  });

  test("a renamed table (prefix change) fails as an unsafe replacement", () => {
    const input = environmentInput("dev");
    input.tableNamePrefix = "ops_dev_";
    const changed = validateEnvironments([input, environmentInput("staging"), environmentInput("prod")]);
    expect(messages(TABLE_DEFINITIONS as unknown as TableDefinition[], changed)).toEqual(
      expect.arrayContaining([expect.stringContaining('[unsafe] dev.api_keys.tableName: "opsdata_dev_api_keys" -> "ops_dev_api_keys"')]),
    );
  });

  test("adding two GSIs to one table in one change fails as unsafe", () => {
    const changed = replace("api_keys", (t) => ({
      ...t,
      globalIndexes: [...t.globalIndexes!, extraIndex("a-index"), extraIndex("b-index")],
    }));
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\[unsafe\] dev\.api_keys\.globalIndexes: adds \[a-index, b-index\].*one .*index creation or deletion per table update/,
        ),
      ]),
    );
  });

  test("one GSI added to an on-demand table is a change to review", () => {
    const changed = replace("api_keys", (t) => ({ ...t, globalIndexes: [...t.globalIndexes!, extraIndex("owner-index")] }));
    expect(messages(changed)).toContain('[review] dev.api_keys.globalIndexes: adds index "owner-index"');
  });

  test("one GSI added to an autoscaled table is refused unless applyIndexChanges is set", () => {
    const changed = replace("api_keys", (t) => ({ ...t, globalIndexes: [...t.globalIndexes!, extraIndex("owner-index")] }));
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\[refused\] prod\.api_keys\.globalIndexes: adds index "owner-index", but Terraform ignores global_secondary_index.*Set prod\.tables\.api_keys\.applyIndexChanges: true/,
        ),
      ]),
    );

    const prod = environmentInput("prod");
    prod.tables.api_keys.applyIndexChanges = true;
    const withFlag = validateEnvironments([environmentInput("dev"), environmentInput("staging"), prod]);
    expect(messages(changed, withFlag)).toContain('[review] prod.api_keys.globalIndexes: adds index "owner-index"');
  });

  test("changing an index's keys in place fails as unsafe", () => {
    const changed = replace("audit_logs", (t) => ({
      ...t,
      globalIndexes: [{ ...t.globalIndexes![0], projection: { type: "ALL" } }],
    }));
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\[unsafe\] dev\.audit_logs\.globalIndexes\.actor_id-occurred_at_id-index: keys or projection changed in place/,
        ),
      ]),
    );
  });

  test("a table removed from the code is flagged as destroying its data", () => {
    const changed = TABLE_DEFINITIONS.filter((t) => t.id !== "webhook_events");
    expect(messages(changed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[unsafe\] prod\.webhook_events: removed from the code; the next apply destroys the table/),
      ]),
    );
  });

  test("schema:accept records a reviewed key change, after which synth passes", () => {
    const changed = replace("api_keys", (t) => ({ ...t, partitionKey: { name: "key_id", type: "S" } }));
    expect(() => assertSchemaMatchesLock(lock, environments, changed)).toThrow(/partitionKey: api_key_hash -> key_id/);
    const { changes, accepted } = acceptSchema(lock, environments, changed);
    expect(changes.map((c) => c.kind)).toEqual(["unsafe", "unsafe", "unsafe"]);
    expect(accepted!.environments.prod.tables.api_keys.partitionKey).toEqual({ name: "key_id", type: "S" });
    expect(() => assertSchemaMatchesLock(accepted, environments, changed)).not.toThrow();
  });

  test("schema:accept records a type change of next_retry_at, after which synth passes", () => {
    const changed = replace("webhook_events", (t) => ({
      ...t,
      globalIndexes: [{ ...t.globalIndexes![0], sortKey: { name: "next_retry_at", type: "S" } }],
    }));
    const { accepted } = acceptSchema(lock, environments, changed);
    expect(accepted!.environments.staging.tables.webhook_events.globalIndexes[0].sortKey).toEqual({ name: "next_retry_at", type: "S" });
    expect(() => assertSchemaMatchesLock(accepted, environments, changed)).not.toThrow();
  });

  test("schema:accept refuses a GSI change Terraform would skip, leaving nothing to write", () => {
    const changed = replace("api_keys", (t) => ({ ...t, globalIndexes: [...t.globalIndexes!, extraIndex("owner-index")] }));
    const { changes, accepted } = acceptSchema(lock, environments, changed);
    expect(accepted).toBeUndefined();
    expect(changes.filter((c) => c.kind === "refused").map((c) => c.message.split(":")[0])).toEqual([
      "staging.api_keys.globalIndexes",
      "prod.api_keys.globalIndexes",
    ]);
  });
});
