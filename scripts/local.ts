/**
 * `npm run local [-- --env dev] [--persist ./.dynamodb-local] [--port 8000]`
 * DynamoDB Local with one environment's tables, created from its synthesized stack. Runs until
 * SIGINT (Ctrl-C) or SIGTERM, which stop DynamoDB Local too. With --persist, tables missing from
 * the database are created and tables whose schema no longer matches the definitions are reported.
 * Prints the command that runs the README example (examples/access-patterns.ts) against it.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ENVIRONMENTS } from "../config/environments";
import { selectEnvironments, validateEnvironments } from "../config/validate";
import { startDynamoDbLocal, type DynamoDbLocal } from "../local/dynamodb-local";
import { ensureTables } from "../local/ensure-tables";
import { synthesizeStacks } from "../stacks/app";
import { stackName } from "../config/environment-bounds";

let dynamodb: DynamoDbLocal | undefined;
let stopping = false;
/** Stops DynamoDB Local (no orphaned java), then exits. */
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (dynamodb?.classDataArchive?.writtenAtStop)
      console.log("Stopping DynamoDB Local: it writes its class data archive first (once per install; later starts take ~1 s less).");
    await dynamodb?.stop();
  }
  process.exit(code);
}
// Installed before java starts, so a signal during start-up or table creation also stops it.
process.once("SIGINT", () => void shutdown(0));
process.once("SIGTERM", () => void shutdown(0));

async function main() {
  const { values } = parseArgs({
    options: { env: { type: "string", default: "dev" }, persist: { type: "string" }, port: { type: "string" } },
  });
  const [environment] = selectEnvironments(validateEnvironments(ENVIRONMENTS), [values.env]);
  const stack = synthesizeStacks()[stackName(environment)];

  const dbPath = values.persist ? resolve(values.persist) : undefined;
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  dynamodb = await startDynamoDbLocal({ dbPath, port: values.port ? Number(values.port) : undefined });
  const client = new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: environment.aws.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const tables = await ensureTables(client, stack);
  client.destroy();
  if (tables.created.length > 0) console.log(`created ${tables.created.join(", ")}`);
  if (tables.existing.length > 0) console.log(`already in ${dbPath}: ${tables.existing.join(", ")}`);
  for (const mismatch of tables.mismatches) console.log(`schema mismatch: ${mismatch}`);
  if (tables.mismatches.length > 0)
    console.log(`  (the database in ${dbPath} predates the definitions: delete the folder to start afresh)`);

  console.log(
    `DynamoDB Local (${environment.name} tables) at ${dynamodb.endpoint}${dbPath ? `, persisted to ${dbPath}` : ", in memory"} (java pid ${dynamodb.pid})`,
  );
  console.log("Run the README example from another terminal:");
  console.log(
    `  OPSDATA_ENDPOINT=${dynamodb.endpoint} OPSDATA_TABLE_PREFIX=${environment.tableNamePrefix} AWS_REGION=${environment.aws.region} node scripts/run-ts.js examples/access-patterns.ts`,
  );
  console.log("Ctrl-C to stop.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void shutdown(1);
});
