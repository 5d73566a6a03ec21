import { JAVA_MISSING_MESSAGE, startDynamoDbLocal } from "../../local/dynamodb-local";

test("without a Java runtime, DynamoDB Local fails with how to install it, not a stack trace", async () => {
  await expect(startDynamoDbLocal({ java: "/nonexistent/bin/java" })).rejects.toThrow(JAVA_MISSING_MESSAGE);
  expect(JAVA_MISSING_MESSAGE).toMatch(/apt-get install -y openjdk-17-jre-headless/);
});
