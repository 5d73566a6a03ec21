/**
 * The integration suite's shared DynamoDB Local (started by support/global-setup.ts), seen from one
 * test file: a client config whose access key id is the file's own namespace on the server.
 */
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DEFAULT_START_TIMEOUT_MS, accepting } from "../../../local/dynamodb-local";

export const SUITE_DYNAMODB_PORT = "OPSDATA_TESTS_DYNAMODB_PORT";

export interface SuiteDynamoDb {
  readonly endpoint: string;
  /** For `new DynamoDBClient(...)`: the endpoint, eu-west-1 and the namespace's credentials. */
  readonly clientConfig: DynamoDBClientConfig & { credentials: { accessKeyId: string; secretAccessKey: string } };
}

/** Waits until the suite's server listens; `namespace` (e.g. the file's name in camelCase) keeps this file's tables apart. */
export async function suiteDynamoDb(namespace: string): Promise<SuiteDynamoDb> {
  // DynamoDB Local (2.0 and later) refuses other access key ids: "The Access Key ID or security token is invalid."
  if (!/^[A-Za-z0-9]+$/.test(namespace)) throw new Error(`namespace "${namespace}": an access key id has only letters and digits`);
  const port = Number(process.env[SUITE_DYNAMODB_PORT]);
  if (!port)
    throw new Error(`${SUITE_DYNAMODB_PORT} is not set: the integration project's globalSetup (support/global-setup.ts) did not run`);
  const deadline = Date.now() + DEFAULT_START_TIMEOUT_MS;
  while (!(await accepting(port))) {
    if (Date.now() > deadline)
      throw new Error(`the suite's DynamoDB Local did not listen on port ${port} in time (see global setup's error above)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return { endpoint, clientConfig: { endpoint, region: "eu-west-1", credentials: { accessKeyId: namespace, secretAccessKey: "local" } } };
}
