/**
 * The archived table's change feed on the real engine: every audit entry the library appends
 * appears once, as an INSERT carrying the whole entry. Kinesis Data Streams for DynamoDB carries
 * the same `dynamodb` record (Keys, NewImage) into the archive; DynamoDB Local has no Kinesis
 * destination, Firehose, S3 Replication or Object Lock, so those are checked at synth here and in
 * AWS by `npm run verify` after deploy (docs/operations.md, "Verify after deploy").
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OpsDataAccess, tableNamesWithPrefix } from "../../access-patterns";
import { createTablesFromStack } from "../../local/tables-from-terraform";
import { shippedStacks } from "../helpers/synth";
import { suiteDynamoDb, type SuiteDynamoDb } from "./support/dynamodb";

let dynamodb: SuiteDynamoDb;
const NAMESPACE = "auditArchiveStream";
let client: DynamoDBClient;
const PREFIX = "opsdata_staging_";

beforeAll(async () => {
  // staging archives audit_logs; its table exactly as synthesized (stream NEW_IMAGE).
  const { resource } = shippedStacks()["dynamodb-staging"];
  const auditLogs = { resource: { aws_dynamodb_table: { audit_logs: resource!.aws_dynamodb_table.audit_logs } } };
  dynamodb = await suiteDynamoDb(NAMESPACE);
  client = new DynamoDBClient(dynamodb.clientConfig);
  await createTablesFromStack(client, auditLogs);
}, 120_000);

afterAll(() => client?.destroy());

/**
 * DynamoDB Streams' JSON API (no SDK client for it in this project): DynamoDB Local accepts any
 * signature, but reads the access key from it (this file's namespace on the suite's server).
 */
async function streams<T>(operation: string, body: Record<string, unknown>): Promise<T> {
  const response = await fetch(dynamodb.endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": `DynamoDBStreams_20120810.${operation}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=${NAMESPACE}/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${operation}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The event names of the DynamoDB Streams API (StreamRecord / Record.eventName). */
const STREAM_EVENT_NAMES = ["INSERT", "MODIFY", "REMOVE"];

interface StreamRecord {
  eventName: string;
  dynamodb: { Keys: Record<string, unknown>; NewImage?: Record<string, unknown>; OldImage?: unknown; StreamViewType: string };
}

/**
 * Every record of every shard, from the horizon. GetRecords may answer an empty page before the
 * records are readable (as on AWS), so each shard is read until `expected` records arrived in all
 * or a 10 s deadline passes; the assertions then show what, if anything, is missing.
 */
async function allRecords(streamArn: string, expected: number): Promise<StreamRecord[]> {
  const { StreamDescription } = await streams<{ StreamDescription: { Shards: Array<{ ShardId: string }> } }>("DescribeStream", {
    StreamArn: streamArn,
  });
  const records: StreamRecord[] = [];
  const deadline = Date.now() + 10_000;
  for (const { ShardId } of StreamDescription.Shards) {
    let { ShardIterator } = await streams<{ ShardIterator?: string }>("GetShardIterator", {
      StreamArn: streamArn,
      ShardId,
      ShardIteratorType: "TRIM_HORIZON",
    });
    while (ShardIterator && records.length < expected && Date.now() < deadline) {
      const page = await streams<{ Records: StreamRecord[]; NextShardIterator?: string }>("GetRecords", { ShardIterator });
      // DynamoDB Local 3.3.1 also writes records with an eventName outside the Streams API
      // (INSERT | MODIFY | REMOVE) that carry the table's and its GSI's keys together: its own
      // index bookkeeping, which AWS does not emit. Only the API's events are the change feed.
      records.push(...page.Records.filter((record) => STREAM_EVENT_NAMES.includes(record.eventName)));
      ShardIterator = page.NextShardIterator;
      if (page.Records.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return records;
}

test("GIVEN the archived audit_logs table WHEN the library appends two entries THEN its change feed holds each once as an INSERT with the whole entry", async () => {
  const access = new OpsDataAccess(DynamoDBDocumentClient.from(client), tableNamesWithPrefix(PREFIX), {
    clock: () => new Date("2026-03-01T12:00:00.000Z"),
  });
  const first = await access.appendAuditEntry({
    account_id: "acct-archive",
    actor_id: "user-1",
    action: "api_key.create",
    resource_type: "api_key",
    resource_id: "key-1",
    details: { reason: "onboarding" },
    retentionSeconds: 86_400,
  });
  const second = await access.appendAuditEntry({
    account_id: "acct-archive",
    actor_id: "user-2",
    action: "api_key.disable",
    resource_type: "api_key",
    resource_id: "key-1",
    retentionSeconds: 86_400,
  });

  const { Table } = await client.send(new DescribeTableCommand({ TableName: `${PREFIX}audit_logs` }));
  const records = await allRecords(Table!.LatestStreamArn!, 2);

  expect(records.map((record) => [record.eventName, record.dynamodb.StreamViewType, record.dynamodb.Keys])).toEqual([
    ["INSERT", "NEW_IMAGE", { account_id: { S: "acct-archive" }, occurred_at_id: { S: first.occurred_at_id } }],
    ["INSERT", "NEW_IMAGE", { account_id: { S: "acct-archive" }, occurred_at_id: { S: second.occurred_at_id } }],
  ]);
  expect(records[0].dynamodb.NewImage).toEqual({
    account_id: { S: "acct-archive" },
    occurred_at_id: { S: first.occurred_at_id },
    actor_id: { S: "user-1" },
    action: { S: "api_key.create" },
    resource_type: { S: "api_key" },
    resource_id: { S: "key-1" },
    details: { M: { reason: { S: "onboarding" } } },
    expires_at: { N: "1772452800" },
  });
  expect(records[0].dynamodb.OldImage).toBeUndefined();
});
