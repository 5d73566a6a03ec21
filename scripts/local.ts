/**
 * `npm run local [-- --env dev] [--persist ./.dynamodb-local] [--port 8000]`
 * DynamoDB Local with one environment's tables, created from its synthesized stack. Runs until
 * SIGINT (Ctrl-C), SIGTERM or SIGHUP, or until the process that started it (npm, a shell) is gone;
 * each stops DynamoDB Local too and removes its scratch folder. A --port that is taken is an error. With --persist, tables missing from
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
import { wrapLines } from "../config/output-width";

let dynamodb: DynamoDbLocal | undefined;
let stopping = false;
/** Stops DynamoDB Local (no orphaned java), then exits. */
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await dynamodb?.stop();
  }
  process.exit(code);
}
// Installed before java starts, so a signal during start-up or table creation also stops it.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.once(signal, () => void shutdown(0));
// npm forwards only SIGINT and SIGTERM to a script (@npmcli/run-script, lib/signal-manager.js): when
// npm ends otherwise (SIGHUP, SIGKILL), this process is handed to another parent. Stop then too
// (package.json's script `exec`s node, so that npm is the parent, not the shell npm runs it with).
const parent = process.ppid;
setInterval(() => process.ppid !== parent && void shutdown(0), 500).unref();

async function main() {
  const { values } = parseArgs({
    options: { env: { type: "string", default: "dev" }, persist: { type: "string" }, port: { type: "string" } },
  });
  const [environment] = selectEnvironments(validateEnvironments(ENVIRONMENTS), [values.env]);
  const stack = synthesizeStacks()[stackName(environment)];

  const dbPath = values.persist ? resolve(values.persist) : undefined;
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw new Error(`--port ${values.port}: give a port number from 1 to 65535, or leave --port out for a free one.`);
  dynamodb = await startDynamoDbLocal({ dbPath, port });
  const client = new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: environment.aws.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const tables = await ensureTables(client, stack);
  client.destroy();
  const say = (text: string) => console.log(wrapLines(text));
  if (tables.created.length > 0) say(`created ${tables.created.join(", ")}`);
  if (tables.existing.length > 0) say(`already in ${dbPath ?? dynamodb.endpoint}: ${tables.existing.join(", ")}`);
  for (const mismatch of tables.mismatches) say(`schema mismatch: ${mismatch}`);
  if (tables.mismatches.length > 0) say(`  (the database in ${dbPath} predates the definitions: delete the folder to start afresh)`);

  say(
    `DynamoDB Local (${environment.name} tables) at ${dynamodb.endpoint}${dbPath ? `, persisted to ${dbPath}` : ", in memory"} (java pid ${dynamodb.pid})`,
  );
  console.log("Run the README example from another terminal:");
  console.log(
    `  OPSDATA_ENDPOINT=${dynamodb.endpoint} OPSDATA_TABLE_PREFIX=${environment.tableNamePrefix} AWS_REGION=${environment.aws.region} \\\n` +
      "    node scripts/run-ts.js examples/access-patterns.ts",
  );
  console.log("Ctrl-C to stop.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? wrapLines(error.message) : error);
  void shutdown(1);
});
