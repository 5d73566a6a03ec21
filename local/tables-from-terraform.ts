/**
 * Turns a synthesized stack's `aws_dynamodb_table` resources into the CreateTable and
 * UpdateTimeToLive calls the AWS provider makes, so DynamoDB itself judges what we synthesize.
 * Encryption, PITR and resource policies are not emulated by DynamoDB Local and are left out.
 */
import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type Projection,
} from "@aws-sdk/client-dynamodb";

/** The subset of a synthesized aws_dynamodb_table this conversion reads (snake_case, as in JSON). */
export interface SynthesizedTable {
  name: string;
  billing_mode: "PROVISIONED" | "PAY_PER_REQUEST";
  hash_key: string;
  range_key?: string;
  attribute: Array<{ name: string; type: "S" | "N" | "B" }>;
  read_capacity?: number;
  write_capacity?: number;
  global_secondary_index?: Array<{
    name: string;
    hash_key: string;
    range_key?: string;
    projection_type: "ALL" | "KEYS_ONLY" | "INCLUDE";
    non_key_attributes?: string[];
    read_capacity?: number;
    write_capacity?: number;
  }>;
  stream_enabled?: boolean;
  stream_view_type?: "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY";
  table_class?: "STANDARD" | "STANDARD_INFREQUENT_ACCESS";
  deletion_protection_enabled?: boolean;
  ttl?: { attribute_name: string; enabled: boolean };
}

const keySchema = (hashKey: string, rangeKey?: string) => [
  { AttributeName: hashKey, KeyType: "HASH" as const },
  ...(rangeKey ? [{ AttributeName: rangeKey, KeyType: "RANGE" as const }] : []),
];

export function createTableInput(table: SynthesizedTable): CreateTableCommandInput {
  const provisioned = table.billing_mode === "PROVISIONED";
  const throughput = (read?: number, write?: number) =>
    provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: read, WriteCapacityUnits: write } } : {};
  const indexes: GlobalSecondaryIndex[] = (table.global_secondary_index ?? []).map((index) => {
    const projection: Projection = { ProjectionType: index.projection_type };
    if (index.non_key_attributes?.length) projection.NonKeyAttributes = index.non_key_attributes;
    return {
      IndexName: index.name,
      KeySchema: keySchema(index.hash_key, index.range_key),
      Projection: projection,
      ...throughput(index.read_capacity, index.write_capacity),
    };
  });
  return {
    TableName: table.name,
    BillingMode: table.billing_mode,
    AttributeDefinitions: table.attribute.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(table.hash_key, table.range_key),
    ...throughput(table.read_capacity, table.write_capacity),
    ...(indexes.length ? { GlobalSecondaryIndexes: indexes } : {}),
    ...(table.stream_enabled ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream_view_type } } : {}),
    TableClass: table.table_class,
    DeletionProtectionEnabled: table.deletion_protection_enabled,
  };
}

/** The synthesized tables of a stack's cdk.tf.json, by Terraform address. */
export function tablesOfStack(stack: { resource?: Record<string, Record<string, unknown>> }): Record<string, SynthesizedTable> {
  return (stack.resource?.aws_dynamodb_table ?? {}) as Record<string, SynthesizedTable>;
}

/** Creates every table of a synthesized stack and enables its TTL, as `terraform apply` would. */
export async function createTablesFromStack(
  client: DynamoDBClient,
  stack: { resource?: Record<string, Record<string, unknown>> },
): Promise<string[]> {
  const created: string[] = [];
  for (const table of Object.values(tablesOfStack(stack))) {
    await client.send(new CreateTableCommand(createTableInput(table)));
    if (table.ttl?.enabled) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: table.name,
          TimeToLiveSpecification: { Enabled: true, AttributeName: table.ttl.attribute_name },
        }),
      );
    }
    created.push(table.name);
  }
  return created;
}
