/**
 * What a table definition implies: its attribute definitions (derived from the keys, so an unused
 * or missing one cannot happen) and the checks DynamoDB would otherwise fail at apply time.
 */
import {
  DYNAMODB_NAME_PATTERN,
  KEY_ATTRIBUTE_TYPES,
  MAX_GLOBAL_INDEXES,
  MAX_PROJECTED_ATTRIBUTES,
  PROJECTION_TYPES,
  STREAM_VIEW_TYPES,
  TABLE_CLASSES,
} from "./dynamodb-limits";
import type { KeyAttribute, KeyAttributeType, TableDefinition } from "./table-definition";

/** Definitions are plain data (and may come from JSON or a cast): enumerated values are checked at run time. */
const isOneOf = (values: readonly string[], value: unknown) => typeof value === "string" && values.includes(value);
const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(", ");

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
    if (!isOneOf(KEY_ATTRIBUTE_TYPES, key.type)) {
      problems.push(`${field}.type: "${key.type}" is not a key type; use one of ${quoted(KEY_ATTRIBUTE_TYPES)}`);
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

  if (table.stream !== undefined && !isOneOf(STREAM_VIEW_TYPES, table.stream)) {
    problems.push(
      `stream: "${String(table.stream)}" is not a stream view type; use one of ${quoted(STREAM_VIEW_TYPES)}, or leave it out for no stream`,
    );
  }
  if (table.tableClass !== undefined && !isOneOf(TABLE_CLASSES, table.tableClass)) {
    problems.push(`tableClass: "${String(table.tableClass)}" is not a table class; use one of ${quoted(TABLE_CLASSES)}`);
  }
  if (table.appendOnly !== undefined && typeof table.appendOnly !== "boolean") {
    problems.push(`appendOnly: must be true or false`);
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
    if (!isOneOf(PROJECTION_TYPES, index.projection?.type)) {
      problems.push(
        `${field}.projection.type: "${String(index.projection?.type)}" is not a projection type; use one of ${quoted(PROJECTION_TYPES)}`,
      );
    } else if (index.projection.type === "INCLUDE") {
      const included = index.projection.nonKeyAttributes;
      projectedAttributes += included.length;
      if (included.length === 0) {
        problems.push(`${field}.projection.nonKeyAttributes: empty; list attributes or use KEYS_ONLY`);
      }
      for (const name of included.filter((attribute) => types.has(attribute))) {
        problems.push(`${field}.projection.nonKeyAttributes: "${name}" is a key and always projected; remove it`);
      }
      for (const name of new Set(included.filter((attribute, position) => included.indexOf(attribute) !== position))) {
        problems.push(`${field}.projection.nonKeyAttributes: "${name}" is listed twice; DynamoDB rejects duplicates, list it once`);
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
