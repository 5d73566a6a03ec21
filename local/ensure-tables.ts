/**
 * For a persisted DynamoDB Local database (`npm run local -- --persist`): creates the tables it is
 * missing and reports every table whose schema no longer matches the synthesized definition (keys,
 * attribute types, GSIs and their projections, stream), which a persisted database would otherwise
 * keep silently.
 */
import { DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient, type TableDescription } from "@aws-sdk/client-dynamodb";
import { createTableInput, createTablesFromStack, tablesOfStack } from "./tables-from-terraform";

export interface EnsureTablesResult {
  readonly created: string[];
  readonly existing: string[];
  /** One line per difference: `<table>: <what> is <actual>, the definition says <expected>`. */
  readonly mismatches: string[];
}

type Shape = Record<string, string>;

/** The schema facts both sides can be compared on, as sorted "what -> value" pairs. */
function shape(
  table: Pick<TableDescription, "KeySchema" | "AttributeDefinitions" | "GlobalSecondaryIndexes" | "StreamSpecification">,
): Shape {
  const facts: Shape = {
    "key schema": (table.KeySchema ?? []).map((k) => `${k.AttributeName}(${k.KeyType})`).join(", "),
    "attribute types": (table.AttributeDefinitions ?? [])
      .map((a) => `${a.AttributeName}:${a.AttributeType}`)
      .sort()
      .join(", "),
    stream: table.StreamSpecification?.StreamEnabled ? (table.StreamSpecification.StreamViewType ?? "") : "none",
    GSIs: (table.GlobalSecondaryIndexes ?? [])
      .map((i) => i.IndexName)
      .sort()
      .join(", "),
  };
  for (const index of table.GlobalSecondaryIndexes ?? []) {
    const projection = [index.Projection?.ProjectionType, ...[...(index.Projection?.NonKeyAttributes ?? [])].sort()].join(" ");
    facts[`GSI ${index.IndexName}`] = `${(index.KeySchema ?? []).map((k) => `${k.AttributeName}(${k.KeyType})`).join(", ")}; ${projection}`;
  }
  return facts;
}

export async function ensureTables(
  client: DynamoDBClient,
  stack: { resource?: Record<string, Record<string, unknown>> },
): Promise<EnsureTablesResult> {
  const result: EnsureTablesResult = { created: [], existing: [], mismatches: [] };
  for (const [address, table] of Object.entries(tablesOfStack(stack))) {
    let actual: TableDescription | undefined;
    try {
      actual = (await client.send(new DescribeTableCommand({ TableName: table.name }))).Table;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (!actual) {
      result.created.push(...(await createTablesFromStack(client, { resource: { aws_dynamodb_table: { [address]: table } } })));
      continue;
    }
    result.existing.push(table.name);
    const expected = shape(createTableInput(table));
    const found = shape(actual);
    for (const what of new Set([...Object.keys(expected), ...Object.keys(found)])) {
      if (expected[what] !== found[what]) {
        result.mismatches.push(
          `${table.name}: ${what} is "${found[what] ?? "absent"}", the definition says "${expected[what] ?? "absent"}"`,
        );
      }
    }
  }
  return result;
}
