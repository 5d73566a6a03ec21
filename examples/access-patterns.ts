/**
 * The README's example, runnable as written against `npm run local` (which prints the command):
 *   OPSDATA_ENDPOINT=http://127.0.0.1:<port> OPSDATA_TABLE_PREFIX=opsdata_dev_ AWS_REGION=eu-west-1 \
 *     node scripts/run-ts.js examples/access-patterns.ts
 * Against AWS, leave OPSDATA_ENDPOINT unset and use your usual credentials.
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OpsDataAccess, tableNamesWithPrefix } from "../access-patterns";

async function main() {
  const endpoint = process.env.OPSDATA_ENDPOINT;
  const client = new DynamoDBClient({
    region: process.env.AWS_REGION ?? "eu-west-1",
    ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
  const access = new OpsDataAccess(
    DynamoDBDocumentClient.from(client),
    tableNamesWithPrefix(process.env.OPSDATA_TABLE_PREFIX ?? "opsdata_dev_"),
  );
  const accountId = `acct-${randomUUID()}`;

  // Authenticate a request: one GetItem, fails closed.
  await access.createApiKey({ api_key_hash: `hash-${accountId}`, account_id: accountId, created_at: new Date().toISOString() });
  const validation = await access.validateApiKey(`hash-${accountId}`);
  console.log("api key valid:", validation.valid);

  // Process a request once: claim, do the work, store the response; a duplicate replays it.
  const request = { key: "order-42", accountId, service: "orders", windowSeconds: 24 * 3600, request: { amount: 100 } };
  const claim = await access.claimIdempotencyKey(request);
  if (claim.outcome === "claimed") await access.completeIdempotencyKey(claim, { statusCode: 201, orderId: "o-1" });
  const duplicate = await access.claimIdempotencyKey(request);
  const replayed = duplicate.outcome === "existing" ? (duplicate.response as { statusCode: number }) : undefined;
  console.log(`duplicate: ${duplicate.outcome}, replayed status ${replayed?.statusCode}`);

  // Record the action in the audit trail and read the whole trail back, page by page.
  await access.appendAuditEntry({
    account_id: accountId,
    actor_id: "user:example",
    action: "order.create",
    resource_type: "order",
    resource_id: "o-1",
    retentionSeconds: 365 * 24 * 3600,
  });
  const from = new Date(Date.now() - 3600_000);
  let entries = 0;
  for await (const entry of access.iterate((cursor) => access.listAccountAuditTrail(accountId, from, new Date(), { cursor }))) {
    entries += entry.action === "order.create" ? 1 : 0;
  }
  console.log("audit entries:", entries);
  client.destroy();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
