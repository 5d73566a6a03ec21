/**
 * Consumed capacity per call of every @opsdata/access operation, measured on DynamoDB Local with
 * the dev stack's tables (small items: about 200 bytes, a 1 KB idempotent response). DynamoDB Local
 * reports ConsumedCapacity by the same rules as DynamoDB (1 WCU per KB written to the table and to
 * each index whose keys the write touches; 0.5 RCU per 4 KB eventually consistent, 1 strongly).
 * A write whose condition fails reports nothing (DynamoDB returns no ConsumedCapacity with the
 * error) though it costs 1 WCU per KB. `npm run bench` prints the rows; run alone:
 *   node scripts/run-ts.js scripts/bench-capacity.ts
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ENVIRONMENTS } from "../config/environments";
import { stackName } from "../config/environment-bounds";
import { startDynamoDbLocal } from "../local/dynamodb-local";
import { createTablesFromStack } from "../local/tables-from-terraform";
import { OpsDataAccess, hashApiKey, tableNamesWithPrefix, type IdempotencyClaim, type WebhookLease } from "../packages/opsdata-access/src";
import { synthesizeStacks } from "../stacks/app";

export interface CapacityPerCall {
  readonly operation: string;
  /** The outcome measured, e.g. "claimed" or "duplicate (condition failed)". */
  readonly case: string;
  readonly requests: number;
  readonly capacityUnits: number;
}

export async function measureCapacityPerCall(): Promise<CapacityPerCall[]> {
  const dev = ENVIRONMENTS.find((environment) => environment.name === "dev")!;
  const local = await startDynamoDbLocal();
  const client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "x" },
  });
  try {
    await createTablesFromStack(client, synthesizeStacks()[stackName(dev)]);
    let units = 0;
    let requests = 0;
    const access = new OpsDataAccess(client, {
      tables: tableNamesWithPrefix(dev.tableNamePrefix),
      onCapacity: (_operation, consumed) => {
        units += consumed;
        requests += 1;
      },
    });
    const rows: CapacityPerCall[] = [];
    async function measure<T>(operation: string, what: string, call: () => Promise<T>): Promise<T> {
      units = 0;
      requests = 0;
      const result = await call();
      rows.push({ operation, case: what, requests, capacityUnits: units });
      return result;
    }
    const accountId = "acct-bench";
    const hash = hashApiKey("bench-key");

    await measure("apiKeys.create", "created", () => access.apiKeys.create({ apiKeyHash: hash, accountId, label: "bench" }));
    await measure("apiKeys.validate", "valid, strongly consistent (default)", () => access.apiKeys.validate(hash));
    await measure("apiKeys.validate", "valid, consistentRead: false", () => access.apiKeys.validate(hash, { consistentRead: false }));
    await measure("apiKeys.listForAccount", "1 key", () => access.apiKeys.listForAccount(accountId));
    await measure("apiKeys.disable", "disabled", () => access.apiKeys.disable(hash, { retentionSeconds: 3600 }));

    const request = { accountId, service: "payments", key: "req-1", windowSeconds: 3600, request: { amount: 100 } };
    const claimed = await measure("idempotency.claim", "claimed", () => access.idempotency.claim(request));
    const claim = (claimed as { claim: IdempotencyClaim }).claim;
    await measure("idempotency.claim", "duplicate in progress (condition failed)", () => access.idempotency.claim(request));
    const renewed = await measure("idempotency.renew", "renewed", () => access.idempotency.renew(claim));
    const current = (renewed as { claim: IdempotencyClaim }).claim;
    await measure("idempotency.complete", "completed, 1 KB response", () =>
      access.idempotency.complete(current, { body: "x".repeat(1000) }),
    );
    await measure("idempotency.get", "found, strongly consistent", () => access.idempotency.get(request));
    await measure("idempotency.listForAccount", "1 request", () => access.idempotency.listForAccount(accountId));
    const second = await access.idempotency.claim({ ...request, key: "req-2" });
    await measure("idempotency.release", "released", () => access.idempotency.release((second as { claim: IdempotencyClaim }).claim));

    const event = (eventId: string) => ({
      eventId,
      accountId,
      endpointUrl: "https://example.test/hook",
      payload: { type: "order.created" },
    });
    await measure("webhooks.record", "recorded", () => access.webhooks.record(event("evt-1")));
    await measure("webhooks.listDue", "1 due event", () => access.webhooks.listDue());
    const batch = await measure("webhooks.lease", "1 due event, limit 1", () => access.webhooks.lease({ limit: 1 }));
    const lease = batch.leases[0] as WebhookLease;
    const renewal = await measure("webhooks.renew", "renewed", () => access.webhooks.renew(lease));
    const held = (renewal as { lease: WebhookLease }).lease;
    await measure("webhooks.markDelivered", "delivered", () => access.webhooks.markDelivered(held, { retentionSeconds: 3600 }));
    await access.webhooks.record(event("evt-2"));
    const failing = (await access.webhooks.lease({ limit: 1 })).leases[0];
    await measure("webhooks.recordFailure", "retry scheduled", () => access.webhooks.recordFailure(failing, { error: "HTTP 503" }));
    await access.webhooks.record(event("evt-3"));
    const released = (await access.webhooks.lease({ limit: 1 })).leases[0];
    await measure("webhooks.release", "released", () => access.webhooks.release(released));
    const dying = new OpsDataAccess(client, { tables: tableNamesWithPrefix(dev.tableNamePrefix), webhooks: { maxAttempts: 1 } });
    await dying.webhooks.recordFailure((await dying.webhooks.lease({ limit: 1 })).leases[0], { error: "HTTP 410" });
    await measure("webhookOperator.listDead", "1 dead event", () => access.webhookOperator.listDead());
    await measure("webhookOperator.requeueDead", "requeued", () => access.webhookOperator.requeueDead("evt-3"));

    const entry = {
      accountId,
      actorId: "user:bench",
      action: "order.create",
      resourceType: "order",
      resourceId: "o-1",
      retentionSeconds: 86_400,
    };
    await measure("audit.append", "appended, small details", () => access.audit.append({ ...entry, details: { amount: 100 } }));
    for (let n = 0; n < 9; n++) await access.audit.append(entry);
    const range = { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) };
    await measure("audit.accountTrail", "10 entries", () => access.audit.accountTrail(accountId, range));
    await measure("audit.actorTrail", "10 entries", () => access.audit.actorTrail("user:bench", range));
    return rows;
  } finally {
    client.destroy();
    await local.stop();
  }
}

// Run directly (`node scripts/run-ts.js scripts/bench-capacity.ts`), not when imported by the bench.
if (process.argv.slice(1, 3).some((argument) => argument.endsWith("bench-capacity.ts"))) {
  measureCapacityPerCall().then(
    (rows) => console.table(rows),
    (error: unknown) => {
      console.error(`bench-capacity: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
