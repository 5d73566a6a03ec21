/**
 * What a table definition implies: its attribute definitions (derived from the keys, so an unused
 * or missing one cannot happen) and the checks DynamoDB would otherwise fail at apply time.
 */
import { DYNAMODB_NAME_PATTERN, MAX_GLOBAL_INDEXES, MAX_PROJECTED_ATTRIBUTES } from "./limits";
import type { KeyAttribute, KeyAttributeType, TableDefinition } from "./table-definition";

const KEY_ATTRIBUTE_TYPES: readonly string[] = ["S", "N", "B"];

export class TableDefinitionError extends Error {
  constructor(
    tableId: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid table definition "${tableId}" (tables/):\n${problems.map((p) => `  - ${tableId}.${p}`).join("\n")}`);
    this.name = "TableDefinitionError";
  }
}

export interface AttributeDefinition {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** Every key of the table and its indexes, with the field that names it (for messages). */
function keyUses(table: TableDefinition): Array<{ field: string; key: KeyAttribute }> {
  const uses = [{ field: "partitionKey", key: table.partitionKey }];
  if (table.sortKey) uses.push({ field: "sortKey", key: table.sortKey });
  (table.globalIndexes ?? []).forEach((index, position) => {
    uses.push({ field: `globalIndexes[${position}].partitionKey`, key: index.partitionKey });
    if (index.sortKey) uses.push({ field: `globalIndexes[${position}].sortKey`, key: index.sortKey });
  });
  return uses;
}

/** Lists every problem with a definition; empty when DynamoDB would accept it. */
export function tableDefinitionProblems(table: TableDefinition): string[] {
  const problems: string[] = [];
  const indexes = table.globalIndexes ?? [];
  if (!DYNAMODB_NAME_PATTERN.test(table.id)) {
    problems.push(`id: "${table.id}" is not [a-zA-Z0-9_.-]{3,255}; rename it`);
  }
  if (!table.partitionKey?.name) problems.push("partitionKey: required; every table needs a partition key");

  const types = new Map<string, { type: string; field: string }>();
  for (const { field, key } of keyUses(table)) {
    if (!key?.name) {
      problems.push(`${field}.name: must not be empty`);
      continue;
    }
    if (!KEY_ATTRIBUTE_TYPES.includes(key.type)) {
      problems.push(`${field}.type: "${key.type}" is not a key type; use "S", "N" or "B"`);
    }
    const earlier = types.get(key.name);
    if (earlier && earlier.type !== key.type) {
      problems.push(`${field}.type: "${key.name}" is ${key.type} here but ${earlier.type} in ${earlier.field}; one attribute has one type`);
    }
    types.set(key.name, earlier ?? { type: key.type, field });
  }

  if (!table.timeToLiveAttribute) {
    problems.push("timeToLiveAttribute: must name the Number attribute holding the expiry (epoch seconds)");
  } else if (types.has(table.timeToLiveAttribute)) {
    problems.push(
      `timeToLiveAttribute: "${table.timeToLiveAttribute}" is also a key (${types.get(table.timeToLiveAttribute)?.field}); TTL needs a plain Number attribute, so use another name`,
    );
  }

  if (indexes.length > MAX_GLOBAL_INDEXES) {
    problems.push(`globalIndexes: ${indexes.length} indexes; DynamoDB allows at most ${MAX_GLOBAL_INDEXES}`);
  }
  const seenIndexNames = new Set<string>();
  let projectedAttributes = 0;
  indexes.forEach((index, position) => {
    const field = `globalIndexes[${position}]`;
    if (!DYNAMODB_NAME_PATTERN.test(index.name)) {
      problems.push(`${field}.name: "${index.name}" is not [a-zA-Z0-9_.-]{3,255}; rename it`);
    }
    if (seenIndexNames.has(index.name)) {
      problems.push(`${field}.name: "${index.name}" is used twice; index names are unique per table`);
    }
    seenIndexNames.add(index.name);
    if (index.projection.type === "INCLUDE") {
      const included = index.projection.nonKeyAttributes;
      projectedAttributes += included.length;
      if (included.length === 0) {
        problems.push(`${field}.projection.nonKeyAttributes: empty; list attributes or use KEYS_ONLY`);
      }
      for (const name of included.filter((attribute) => types.has(attribute))) {
        problems.push(`${field}.projection.nonKeyAttributes: "${name}" is a key and always projected; remove it`);
      }
    }
  });
  if (projectedAttributes > MAX_PROJECTED_ATTRIBUTES) {
    problems.push(`globalIndexes: ${projectedAttributes} projected non-key attributes; DynamoDB allows ${MAX_PROJECTED_ATTRIBUTES}`);
  }
  return problems;
}

export function validateTableDefinition(table: TableDefinition): void {
  const problems = tableDefinitionProblems(table);
  if (problems.length > 0) throw new TableDefinitionError(table.id, problems);
}

/** The attribute definitions DynamoDB needs: exactly the attributes some key uses. */
export function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
  const byName = new Map<string, AttributeDefinition>();
  for (const { key } of keyUses(table)) byName.set(key.name, { name: key.name, type: key.type });
  return [...byName.values()];
}
