/**
 * Stops the suite's DynamoDB Local (support/global-setup.ts). On a fresh install that JVM is the one
 * writing the class data archive (local/class-data-archive.ts), so this is where a real JVM's
 * archive is checked to be kept; npm-run-local.test.ts checks a later JVM maps it.
 */
import { statSync } from "node:fs";

export default async function stopSuiteDynamoDbLocal(): Promise<void> {
  const dynamodb = await globalThis.suiteDynamoDbLocal;
  await dynamodb?.stop();
  const archive = dynamodb?.classDataArchive;
  if (archive?.writtenAtStop && !statSync(archive.path, { throwIfNoEntry: false })?.size)
    throw new Error(
      `The suite's DynamoDB Local stopped without keeping its class data archive ${archive.path} (see local/class-data-archive.ts).`,
    );
}
