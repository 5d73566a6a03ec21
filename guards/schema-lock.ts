/**
 * The schema guard. `schema.lock.json` records, per environment and table, everything whose change
 * replaces a table or that Terraform would not apply as written: table name, key names and types,
 * and the GSIs. Synth fails while the code differs from the lock; `npm run schema:accept` records a
 * reviewed change, and refuses the ones that cannot be applied safely at all.
 */
import type { Environment } from "../config/schema";
import { ignoredAttributes } from "../config/ignored-attributes";
import { TABLE_DEFINITIONS, type KeyAttribute, type TableDefinition } from "../tables";

export const SCHEMA_LOCK_FILE = "schema.lock.json";

export interface IndexSchema {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute | null;
  readonly projection: string;
}

export interface TableSchema {
  readonly tableName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute | null;
  readonly globalIndexes: readonly IndexSchema[];
}

export interface SchemaLock {
  readonly version: 1;
  readonly environments: Record<string, Record<string, TableSchema>>;
}

/**
 * `review`: safe once reviewed. `unsafe`: destroys data or would not be applied as written; follow
 * the procedure in the message, or accept it knowingly. `refused`: Terraform would silently skip
 * it, so `schema:accept` will not record it until the config lets Terraform apply it.
 */
export interface SchemaChange {
  readonly kind: "review" | "unsafe" | "refused";
  readonly message: string;
}

const REPLACEMENT_PROCEDURE =
  "this forces Terraform to replace the table (all items lost). Safe procedure: add a new table " +
  "definition, dual-write and backfill, switch readers, then remove the old table in a later change";

const describeProjection = (definition: TableDefinition["globalIndexes"]) =>
  (definition ?? []).map((index) => ({
    name: index.name,
    partitionKey: { ...index.partitionKey },
    sortKey: index.sortKey ? { ...index.sortKey } : null,
    projection:
      index.projection.type === "INCLUDE" ? `INCLUDE(${[...index.projection.nonKeyAttributes].sort().join(",")})` : index.projection.type,
  }));

export function tableSchema(definition: TableDefinition, tableName: string): TableSchema {
  return {
    tableName,
    partitionKey: { ...definition.partitionKey },
    sortKey: definition.sortKey ? { ...definition.sortKey } : null,
    globalIndexes: describeProjection(definition.globalIndexes),
  };
}

export function currentSchema(
  environments: readonly Environment[],
  definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
): SchemaLock {
  return {
    version: 1,
    environments: Object.fromEntries(
      environments.map((environment) => [
        environment.name,
        Object.fromEntries(
          definitions.map((definition) => [definition.id, tableSchema(definition, `${environment.tableNamePrefix}${definition.id}`)]),
        ),
      ]),
    ),
  };
}

const keyTypes = (table: TableSchema) => {
  const types = new Map<string, string>();
  for (const key of [table.partitionKey, table.sortKey, ...table.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    if (key) types.set(key.name, key.type);
  }
  return types;
};
const keyName = (key: KeyAttribute | null) => key?.name ?? "(none)";
const sameIndexShape = (a: IndexSchema, b: IndexSchema) =>
  a.partitionKey.name === b.partitionKey.name && keyName(a.sortKey) === keyName(b.sortKey) && a.projection === b.projection;

function tableChanges(where: string, locked: TableSchema, current: TableSchema, indexesIgnored: string | undefined): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const review = (message: string) => changes.push({ kind: "review", message: `${where}.${message}` });
  const unsafe = (message: string) => changes.push({ kind: "unsafe", message: `${where}.${message}` });
  const refuse = (message: string) => changes.push({ kind: "refused", message: `${where}.${message}` });

  if (locked.tableName !== current.tableName) {
    unsafe(`tableName: "${locked.tableName}" -> "${current.tableName}": ${REPLACEMENT_PROCEDURE}`);
  }
  for (const field of ["partitionKey", "sortKey"] as const) {
    if (keyName(locked[field]) !== keyName(current[field])) {
      unsafe(`${field}: ${keyName(locked[field])} -> ${keyName(current[field])}: ${REPLACEMENT_PROCEDURE}`);
    }
  }
  const lockedTypes = keyTypes(locked);
  for (const [name, type] of keyTypes(current)) {
    const before = lockedTypes.get(name);
    if (before && before !== type) {
      unsafe(
        `attribute "${name}": type ${before} -> ${type}. The AWS provider silently ignores a key attribute's type change, ` +
          `so the table would keep ${before}. Safe procedure: store the value under a new attribute name with a new index (or a new table), ` +
          `backfill it, move readers, then remove the old attribute's index in a later change`,
      );
    }
  }

  const lockedIndexes = new Map(locked.globalIndexes.map((index) => [index.name, index]));
  const currentIndexes = new Map(current.globalIndexes.map((index) => [index.name, index]));
  const added = [...currentIndexes.keys()].filter((name) => !lockedIndexes.has(name));
  const removed = [...lockedIndexes.keys()].filter((name) => !currentIndexes.has(name));
  for (const [name, index] of currentIndexes) {
    const before = lockedIndexes.get(name);
    if (before && !sameIndexShape(before, index)) {
      unsafe(
        `globalIndexes.${name}: keys or projection changed in place; DynamoDB cannot modify an index. ` +
          `Remove it in one deploy and add the new shape under a new name in the next`,
      );
    }
  }
  if (added.length + removed.length > 1) {
    unsafe(
      `globalIndexes: adds [${added.join(", ")}] and removes [${removed.join(", ")}] at once; DynamoDB applies one ` +
        `index creation or deletion per table update. Split it into one change per index, deployed one after another`,
    );
  } else if (added.length + removed.length === 1) {
    const what = added.length ? `adds index "${added[0]}"` : `removes index "${removed[0]}"`;
    if (indexesIgnored) {
      refuse(
        `globalIndexes: ${what}, but Terraform ignores global_secondary_index on this autoscaled table, so it would ` +
          `silently not apply it. Set ${indexesIgnored}.applyIndexChanges: true in config/environments.ts for this deploy ` +
          `(the GSIs are then reset to their configured min capacity until the autoscaler raises them), accept, apply, then remove it`,
      );
    } else {
      review(`globalIndexes: ${what}${removed.length ? " (its data is dropped; readers must stop using it first)" : ""}`);
    }
  }
  return changes;
}

/** Every difference between the lock and the code, in a stable order. */
export function schemaChanges(
  lock: SchemaLock | undefined,
  environments: readonly Environment[],
  definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
): SchemaChange[] {
  const current = currentSchema(environments, definitions);
  const changes: SchemaChange[] = [];
  for (const environment of environments) {
    const lockedTables = lock?.environments[environment.name];
    if (!lockedTables) {
      changes.push({
        kind: "review",
        message: `${environment.name}: not recorded in ${SCHEMA_LOCK_FILE}; review its schema and run \`npm run schema:accept\``,
      });
      continue;
    }
    const currentTables = current.environments[environment.name];
    for (const [tableId, table] of Object.entries(currentTables)) {
      const where = `${environment.name}.${tableId}`;
      const locked = lockedTables[tableId];
      if (!locked) {
        changes.push({
          kind: "review",
          message: `${where}: new table, not recorded in ${SCHEMA_LOCK_FILE}; run \`npm run schema:accept\``,
        });
        continue;
      }
      const settings = environment.tables[tableId as keyof Environment["tables"]];
      const indexesIgnored = ignoredAttributes(settings, true).includes("global_secondary_index")
        ? `${environment.name}.tables.${tableId}`
        : undefined;
      changes.push(...tableChanges(where, locked, table, indexesIgnored));
    }
    for (const tableId of Object.keys(lockedTables).filter((id) => !(id in currentTables))) {
      changes.push({
        kind: "unsafe",
        message: `${environment.name}.${tableId}: removed from the code; the next apply destroys the table and its data (prod's prevent_destroy refuses it)`,
      });
    }
  }
  return changes;
}

export class SchemaLockError extends Error {
  constructor(readonly changes: readonly SchemaChange[]) {
    const refused = changes.some((change) => change.kind === "refused");
    super(
      `The table schema differs from ${SCHEMA_LOCK_FILE}:\n${changes.map((c) => `  - [${c.kind}] ${c.message}`).join("\n")}\n` +
        (refused
          ? "Changes marked [refused] would be skipped by Terraform; do what their message says first."
          : "If the change is intended (for [unsafe] ones, after following their procedure), run `npm run schema:accept` and commit the lock so reviewers see it."),
    );
    this.name = "SchemaLockError";
  }
}

/** Fails synth while the code's schema differs from the accepted lock. */
export function assertSchemaMatchesLock(
  lock: SchemaLock | undefined,
  environments: readonly Environment[],
  definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
): void {
  const changes = schemaChanges(lock, environments, definitions);
  if (changes.length > 0) throw new SchemaLockError(changes);
}

/**
 * What `npm run schema:accept` records: the current schema, unless a change is [refused]. Returns
 * the changes either way so the command can show them.
 */
export function acceptSchema(
  lock: SchemaLock | undefined,
  environments: readonly Environment[],
  definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
): { changes: SchemaChange[]; accepted?: SchemaLock } {
  const changes = schemaChanges(lock, environments, definitions);
  if (changes.some((change) => change.kind === "refused")) return { changes };
  return { changes, accepted: currentSchema(environments, definitions) };
}
