import { rmSync } from "node:fs";
import { SHARED_CHECKOUT } from "./project-copy";

/**
 * Stops the suite's DynamoDB Local and removes the shared copy of the checkout (support/global-setup.ts).
 * The copy is removed here, not with the run's temporary directory: jest runs a project's globalSetup
 * before the root one (@jest/core runGlobalHook), so the copy is made in the system's temporary directory.
 */
export default async function stopSuiteDynamoDbLocal(): Promise<void> {
  await (await globalThis.suiteDynamoDbLocal)?.stop();
  const copy = process.env[SHARED_CHECKOUT];
  if (copy) rmSync(copy, { recursive: true, force: true });
}
