/** Starts DynamoDB Local, prints its java pid and waits to be killed (tests the watchdog in local/dynamodb-local.ts). */
import { startDynamoDbLocal } from "../../../local/dynamodb-local";

void startDynamoDbLocal().then((dynamodb) => {
  console.log(`java pid ${dynamodb.pid}`);
  setInterval(() => undefined, 60_000);
});
