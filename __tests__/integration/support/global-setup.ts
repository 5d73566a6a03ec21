/**
 * One DynamoDB Local for the whole integration suite, started without waiting (test files that do
 * not need it run meanwhile) and stopped by global-teardown.ts: a JVM start costs seconds of CPU, so
 * one start serves every file. Files isolate themselves by access key: the
 * server runs without -sharedDb, so each access key id has its own tables (support/dynamodb.ts).
 * Runs only when the integration project has tests in the run (a project's globalSetup).
 */
import { freePort, startDynamoDbLocal, type DynamoDbLocal } from "../../../local/dynamodb-local";
import { SUITE_DYNAMODB_PORT } from "./dynamodb";

declare global {
  var suiteDynamoDbLocal: Promise<DynamoDbLocal | undefined> | undefined;
}

export default async function startSuiteDynamoDbLocal(): Promise<void> {
  const port = await freePort();
  process.env[SUITE_DYNAMODB_PORT] = String(port);
  globalThis.suiteDynamoDbLocal = startDynamoDbLocal({ port, sharedDb: false }).catch((error: Error) => {
    // The files waiting for it fail on their own timeout; this says why.
    console.error(`The integration suite's DynamoDB Local did not start: ${error.message}`);
    return undefined;
  });
}
