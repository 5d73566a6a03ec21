/**
 * TTL deletion on the real engine, in its own DynamoDB Local (its sweeper is quickest with few
 * tables) so it runs beside the access-pattern suite.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamoDbLocal, type DynamoDbLocal } from "../../local/dynamodb-local";
import { createTablesFromStack } from "../../local/tables-from-terraform";
import { shippedStacks } from "../helpers/synth";

let dynamodb: DynamoDbLocal;
let documents: DynamoDBDocumentClient;
let apiKeysTable: string;

beforeAll(async () => {
  const { resource } = shippedStacks()["dynamodb-dev"];
  // Only api_keys, exactly as synthesized (TTL on expires_at).
  const apiKeys = { resource: { aws_dynamodb_table: { api_keys: resource!.aws_dynamodb_table.api_keys } } };
  apiKeysTable = (apiKeys.resource.aws_dynamodb_table.api_keys as { name: string }).name;

  dynamodb = await startDynamoDbLocal();
  const client = new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await createTablesFromStack(client, apiKeys);
  documents = DynamoDBDocumentClient.from(client);
});

afterAll(async () => {
  documents?.destroy();
  await dynamodb?.stop();
});

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
