/**
 * @opsdata/access, one example per table. Runs as written against `npm run local` (which prints the
 * command) or AWS (leave OPSDATA_ENDPOINT unset and use your usual credentials):
 *   OPSDATA_ENDPOINT=http://127.0.0.1:<port> OPSDATA_TABLE_PREFIX=opsdata_dev_ AWS_REGION=eu-west-1 \
 *     node scripts/run-ts.js examples/access-patterns.ts
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { OpsDataAccess, hashApiKey, tableNamesWithPrefix } from "../packages/opsdata-access/src";

async function main() {
  const endpoint = process.env.OPSDATA_ENDPOINT;
  const client = new DynamoDBClient({
    region: process.env.AWS_REGION ?? "eu-west-1",
    ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
  const access = new OpsDataAccess(client, {
    tables: tableNamesWithPrefix(process.env.OPSDATA_TABLE_PREFIX ?? "opsdata_dev_"),
    // Capacity per DynamoDB request, for your metrics (OPSDATA_SHOW_CAPACITY=1 prints it here).
    onCapacity: (operation, units) => {
      if (process.env.OPSDATA_SHOW_CAPACITY) console.log(`  capacity: ${operation} ${units}`);
    },
  });
  const accountId = `acct-${randomUUID()}`;

  // api_keys: store only the key's hash; validate it on every request (one strongly consistent GetItem).
  const rawKey = `sk_live_${randomUUID()}`;
  await access.apiKeys.create({ apiKeyHash: hashApiKey(rawKey), accountId, label: "example" });
  const validation = await access.apiKeys.validate(hashApiKey(rawKey));
  console.log("api key:", validation.outcome);

  // idempotency_keys: claim, do the work, store the response; a duplicate gets the response replayed.
  const request = { accountId, service: "orders", key: "order-42", windowSeconds: 24 * 3600, request: { amount: 100 } };
  const first = await access.idempotency.claim(request);
  if (first.outcome === "claimed") {
    const response = { statusCode: 201, orderId: "o-1" };
    const stored = await access.idempotency.complete(first.claim, response);
    console.log("first request:", stored.outcome);
  }
  const duplicate = await access.idempotency.claim(request);
  if (duplicate.outcome === "completed") console.log("duplicate replays:", JSON.stringify(duplicate.response));

  // webhook_events: record an event; a worker leases it and records the attempt's outcome with the lease.
  await access.webhooks.record({
    eventId: `evt-${randomUUID()}`,
    accountId,
    endpointUrl: "https://example.com/hooks/orders",
    payload: { type: "order.created", orderId: "o-1" },
  });
  const batch = await access.webhooks.lease({ limit: 10 });
  for (const lease of batch.leases) {
    // This example delivers only its own event: others go back to the queue at once.
    if (lease.event.accountId !== accountId) {
      await access.webhooks.release(lease);
      continue;
    }
    const delivered = true; // POST lease.event.payload to lease.event.endpointUrl here
    const outcome = delivered
      ? await access.webhooks.markDelivered(lease, { retentionSeconds: 7 * 24 * 3600 })
      : await access.webhooks.recordFailure(lease, { error: "HTTP 503" });
    console.log("webhook:", outcome.outcome);
  }

  // audit_logs: append an entry and read the account's whole trail, page by page.
  await access.audit.append({
    accountId,
    actorId: "user:example",
    action: "order.create",
    resourceType: "order",
    resourceId: "o-1",
    details: { amount: 100 },
    retentionSeconds: 365 * 24 * 3600,
  });
  const range = { from: new Date(Date.now() - 3600_000), to: new Date() };
  let entries = 0;
  for await (const entry of access.iterate((cursor) => access.audit.accountTrail(accountId, { ...range, cursor }))) {
    entries += entry.action === "order.create" ? 1 : 0;
  }
  console.log("audit entries:", entries);
  client.destroy();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
