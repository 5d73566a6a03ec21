/**
 * Starts DynamoDB Local through the watchdog in local/dynamodb-local.ts, with support/fake-java.js
 * as the java it runs, prints that process's pid and waits to be killed (npm-run-local.test.ts
 * kills it with SIGKILL and checks the watchdog stops the "java").
 */
import { join } from "node:path";
import { startDynamoDbLocal } from "../../../local/dynamodb-local";
import { projectRoot } from "../../../stacks/project-root";

void startDynamoDbLocal({ java: join(projectRoot(), "__tests__/integration/support/fake-java.js") }).then((dynamodb) => {
  console.log(`java pid ${dynamodb.pid}`);
  setInterval(() => undefined, 60_000);
});
