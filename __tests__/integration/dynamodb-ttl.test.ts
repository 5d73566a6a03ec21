/**
 * TTL deletion on the real engine: the dev api_keys table exactly as synthesized, alone in this
 * file's namespace on the suite's DynamoDB Local (its sweeper is quickest with few tables).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { createTablesFromStack } from "../../local/tables-from-terraform";
import { shippedStacks } from "../helpers/synth";
import { suiteDynamoDb } from "./support/dynamodb";

let documents: DynamoDBDocumentClient;
let apiKeysTable: string;

beforeAll(async () => {
  const { resource } = shippedStacks()["dynamodb-dev"];
  // Only api_keys, exactly as synthesized (TTL on expires_at).
  const apiKeys = { resource: { aws_dynamodb_table: { api_keys: resource!.aws_dynamodb_table.api_keys } } };
  apiKeysTable = (apiKeys.resource.aws_dynamodb_table.api_keys as { name: string }).name;

  const client = new DynamoDBClient((await suiteDynamoDb("dynamodbTtl")).clientConfig);
  await createTablesFromStack(client, apiKeys);
  documents = DynamoDBDocumentClient.from(client);
});

afterAll(() => documents?.destroy());

test("DynamoDB deletes an item whose expires_at is in the past, and keeps one that has not expired", async () => {
  // Whole key records: DynamoDB Local (still in 3.3.1) TTL-deletes only items that carry every key
  // attribute of the table and its GSIs, and one expired item without them stalls that table's sweep
  // (its TimeToLiveDeletionJob builds the delete key from all attribute definitions). AWS deletes
  // every expired item.
  const record = { account_id: "acct-ttl", created_at: "2026-01-01T00:00:00.000Z", status: "disabled" };
  const now = Math.floor(Date.now() / 1000);
  await documents.send(new PutCommand({ TableName: apiKeysTable, Item: { api_key_hash: "expired", ...record, expires_at: now - 60 } }));
  await documents.send(new PutCommand({ TableName: apiKeysTable, Item: { api_key_hash: "current", ...record, expires_at: now + 3600 } }));

  const get = async (hash: string) => (await documents.send(new GetCommand({ TableName: apiKeysTable, Key: { api_key_hash: hash } }))).Item;
  const deadline = Date.now() + 45_000;
  while ((await get("expired")) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));

  expect(await get("expired")).toBeUndefined();
  expect(await get("current")).toEqual(expect.objectContaining({ status: "disabled" }));
});
