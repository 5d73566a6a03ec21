/** Stops the suite's DynamoDB Local (support/global-setup.ts). */
export default async function stopSuiteDynamoDbLocal(): Promise<void> {
  await (await globalThis.suiteDynamoDbLocal)?.stop();
}
