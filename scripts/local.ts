/**
 * `npm run local [-- --env dev] [--persist ./.dynamodb-local] [--port 8000]`
 * DynamoDB Local with one environment's tables, created from its synthesized stack. Runs until
 * interrupted (Ctrl-C). Point the AWS SDK at the printed endpoint with any credentials.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { ENVIRONMENTS } from "../config/environments";
import { selectEnvironments, validateEnvironments } from "../config/validate";
import { startDynamoDbLocal } from "../local/dynamodb-local";
import { createTablesFromStack } from "../local/tables-from-terraform";
import { synthesizeStacks } from "../stacks/app";
import { stackName } from "../stacks/environment-stack";

async function main() {
  const { values } = parseArgs({
    options: { env: { type: "string", default: "dev" }, persist: { type: "string" }, port: { type: "string" } },
  });
  const [environment] = selectEnvironments(validateEnvironments(ENVIRONMENTS), [values.env!]);

  const stack = synthesizeStacks()[stackName(environment)];

  const dbPath = values.persist ? resolve(values.persist) : undefined;
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  const dynamodb = await startDynamoDbLocal({ dbPath, port: values.port ? Number(values.port) : undefined });
  const client = new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: environment.aws.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    const tables = await createTablesFromStack(client, stack);
    console.log(`created ${tables.join(", ")}`);
  } catch (error) {
    // A persisted database already has the tables from an earlier run.
    if (!(error instanceof ResourceInUseException)) throw error;
    console.log(`tables already exist in ${dbPath}`);
  }
  console.log(`DynamoDB Local (${environment.name} tables) at ${dynamodb.endpoint}${dbPath ? `, persisted to ${dbPath}` : ", in memory"}`);
  console.log(
    `  e.g. new DynamoDBClient({ endpoint: "${dynamodb.endpoint}", region: "${environment.aws.region}", credentials: { accessKeyId: "local", secretAccessKey: "local" } })`,
  );
  console.log("Ctrl-C to stop.");

  // Signal handlers ignore returned promises, so the stop is handled here (type-aware lint).
  const shutdown = () => {
    client.destroy();
    dynamodb.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
