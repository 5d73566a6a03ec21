/** Stops the suite's DynamoDB Local (support/global-setup.ts). */
export default async function stopSuiteDynamoDbLocal(): Promise<void> {
  const dynamodb = await globalThis.suiteDynamoDbLocal;
  await dynamodb?.stop();
}
