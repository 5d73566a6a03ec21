/**
 * The access library's properties on DynamoDB Local (dev tables, created from the synthesized
 * stack): idempotency, API key validation, the webhook state machine and leases, paged audit
 * trails, every typed error, concurrency; plus Powertools' idempotency utility on our table and
 * the README example (examples/access-patterns.ts) run as written.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import {
  ConflictError,
  IdempotencyPayloadMismatchError,
  InvalidTransitionError,
  ItemTooLargeError,
  LeaseLostError,
  NotFoundError,
  OpsDataAccess,
  ValidationError,
  tableNamesWithPrefix,
  type IdempotencyClaim,
  type IdempotencyClaimResult,
} from "../../access-patterns";
import { Context } from "../../access-patterns/context";
import { createTablesFromStack } from "../../local/tables-from-terraform";
import { shippedStacks } from "../helpers/synth";
import { capacityRecorder } from "./support/capacity";
import { sharedCheckout } from "./support/project-copy";
import { suiteDynamoDb, type SuiteDynamoDb } from "./support/dynamodb";

const HOUR = 3600;
const tables = tableNamesWithPrefix("opsdata_dev_");
let dynamodb: SuiteDynamoDb;
let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let access: OpsDataAccess;
const capacity = capacityRecorder("access-library");
/** The same library, its clock `seconds` ahead (leases and keys lapse without waiting). */
const later = (seconds: number, webhooks = {}) =>
  new OpsDataAccess(documents, tables, { clock: () => new Date(Date.now() + seconds * 1000), webhooks });

beforeAll(async () => {
  const stack = shippedStacks()["dynamodb-dev"];
  // The README example (run below as written) signs as "local" (examples/access-patterns.ts), so
  // this file's tables live under that access key on the suite's server.
  dynamodb = await suiteDynamoDb("local");
  client = new DynamoDBClient(dynamodb.clientConfig);
  await createTablesFromStack(client, stack);
  documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  access = new OpsDataAccess(documents, tables, { webhooks: { maxAttempts: 3 }, onCapacity: capacity.record });
});

afterAll(() => {
  client?.destroy();
  capacity.report();
});

const claimed = (result: IdempotencyClaimResult): IdempotencyClaim => {
  if (result.outcome !== "claimed") throw new Error(`expected a claim, got ${JSON.stringify(result)}`);
  return result;
};
const raw = async (table: string, key: Record<string, unknown>) =>
  (await documents.send(new GetCommand({ TableName: table, Key: key }))).Item;

describe("idempotency", () => {
  const request = (key: string, accountId = "acct-1") => ({
    key,
    accountId,
    service: "payments",
    windowSeconds: HOUR,
    request: { amount: 100 },
  });

  test("GIVEN 40 parallel claims of one key WHEN they race THEN exactly one is claimed and 39 see it in progress", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => access.claimIdempotencyKey(request("race"))));
    expect(results.filter((r) => r.outcome === "claimed")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "existing" && r.status === "in_progress")).toHaveLength(39);
  });

  test("GIVEN two accounts WHEN both use the client key req-1 THEN each gets its own record", async () => {
    const a = claimed(await access.claimIdempotencyKey(request("req-1", "acct-a")));
    const b = claimed(await access.claimIdempotencyKey(request("req-1", "acct-b")));
    expect([a.idempotencyKey, b.idempotencyKey]).toEqual(["acct-a#req-1", "acct-b#req-1"]);
  });

  test("GIVEN a completed key WHEN the same request comes again THEN it gets the stored response", async () => {
    const claim = claimed(await access.claimIdempotencyKey(request("replay")));
    await access.completeIdempotencyKey(claim, { statusCode: 201, body: "created" });
    const duplicate = await access.claimIdempotencyKey(request("replay"));
    expect(duplicate).toEqual(
      expect.objectContaining({ outcome: "existing", status: "completed", response: { statusCode: 201, body: "created" } }),
    );
    if (duplicate.outcome === "existing") expect("lease_token" in duplicate.record).toBe(false);
  });

  test("GIVEN a claimed key WHEN the same key comes with other parameters THEN IdempotencyPayloadMismatchError", async () => {
    claimed(await access.claimIdempotencyKey(request("mismatch")));
    await expect(access.claimIdempotencyKey({ ...request("mismatch"), request: { amount: 999 } })).rejects.toThrow(
      IdempotencyPayloadMismatchError,
    );
  });

  test("GIVEN a lapsed lease WHEN the same request claims again THEN it takes over and the old holder's token is refused", async () => {
    const first = claimed(await access.claimIdempotencyKey({ ...request("crashed"), leaseSeconds: 30 }));
    expect(await access.claimIdempotencyKey(request("crashed"))).toEqual(
      expect.objectContaining({ outcome: "existing", status: "in_progress" }),
    );
    await expect(later(31).claimIdempotencyKey({ ...request("crashed"), request: { amount: 1 } })).rejects.toThrow(
      IdempotencyPayloadMismatchError,
    );
    const second = claimed(await later(31).claimIdempotencyKey(request("crashed")));
    expect(second.token).not.toBe(first.token);
    await expect(access.completeIdempotencyKey(first, "late")).rejects.toThrow(LeaseLostError);
    await access.completeIdempotencyKey(second, "done");
    expect(await access.getIdempotencyRecord({ accountId: "acct-1", key: "crashed" })).toEqual(
      expect.objectContaining({ status: "completed", response: "done" }),
    );
  });

  test("GIVEN a claim WHEN someone completes it with a wrong token, twice, or an unknown key THEN typed errors", async () => {
    const claim = claimed(await access.claimIdempotencyKey(request("holder")));
    await expect(access.completeIdempotencyKey({ ...claim, token: "guessed" }, "x")).rejects.toThrow(LeaseLostError);
    await access.completeIdempotencyKey(claim, "ok");
    await expect(access.completeIdempotencyKey(claim, "again")).rejects.toThrow(InvalidTransitionError);
    await expect(access.completeIdempotencyKey({ idempotencyKey: "acct-1#never", token: "t" }, "x")).rejects.toThrow(NotFoundError);
  });

  test("GIVEN a claim WHEN its holder releases it THEN the key can be claimed at once; a wrong token cannot release", async () => {
    const claim = claimed(await access.claimIdempotencyKey(request("released")));
    await expect(access.releaseIdempotencyKey({ ...claim, token: "guessed" })).rejects.toThrow(LeaseLostError);
    await access.releaseIdempotencyKey(claim);
    expect((await access.claimIdempotencyKey(request("released"))).outcome).toBe("claimed");
  });

  test("GIVEN a response over 400 KB WHEN it is stored THEN ItemTooLargeError and the claim stays in progress", async () => {
    const claim = claimed(await access.claimIdempotencyKey(request("large")));
    await expect(access.completeIdempotencyKey(claim, "x".repeat(401 * 1024))).rejects.toThrow(ItemTooLargeError);
    expect(await access.getIdempotencyRecord({ accountId: "acct-1", key: "large" })).toEqual(
      expect.objectContaining({ status: "in_progress" }),
    );
  });

  test("GIVEN bad claims WHEN made THEN ValidationError naming the field, nothing written", async () => {
    await expect(access.claimIdempotencyKey({ ...request("x"), accountId: "a#b" })).rejects.toThrow(/accountId: must not contain "#"/);
    await expect(access.claimIdempotencyKey({ ...request("x"), leaseSeconds: HOUR })).rejects.toThrow(ValidationError);
    expect(await access.getIdempotencyRecord({ accountId: "acct-1", key: "x" })).toBeUndefined();
  });
});

test("GIVEN an item DynamoDB itself refuses as too large WHEN written THEN ItemTooLargeError, not the SDK's ValidationException", async () => {
  const context = new Context(documents, tables);
  await expect(
    context.conditional(
      "test",
      {
        put: {
          TableName: tables.auditLogs,
          Item: { account_id: "big", occurred_at_id: "x", blob: "x".repeat(410 * 1024) },
          ConditionExpression: "attribute_not_exists(account_id)",
        },
      },
      "blob",
    ),
  ).rejects.toThrow(ItemTooLargeError);
});

describe("api keys", () => {
  const key = (hash: string, extra = {}) => ({
    api_key_hash: hash,
    account_id: "acct-k",
    created_at: "2026-01-01T00:00:00.000Z",
    ...extra,
  });

  test("GIVEN active, disabled, expired and unknown keys WHEN validated THEN valid with the account or the reason", async () => {
    await access.createApiKey(key("k-active"));
    await access.createApiKey(key("k-disabled"));
    await access.disableApiKey("k-disabled", HOUR);
    await access.createApiKey(key("k-expired", { expiresAt: new Date(Date.now() - 1000) }));
    expect(await access.validateApiKey("k-active")).toEqual(expect.objectContaining({ valid: true, accountId: "acct-k" }));
    expect(await access.validateApiKey("k-disabled")).toEqual({ valid: false, reason: "disabled" });
    expect(await access.validateApiKey("k-expired")).toEqual({ valid: false, reason: "expired" });
    expect(await access.validateApiKey("k-unknown")).toEqual({ valid: false, reason: "unknown" });
    expect(await access.findApiKey("k-disabled")).toBeUndefined();
  });

  test("GIVEN keys WHEN created twice or disabled twice or unknown THEN Conflict, InvalidTransition, NotFound", async () => {
    await access.createApiKey(key("k-twice"));
    await expect(access.createApiKey(key("k-twice"))).rejects.toThrow(ConflictError);
    await access.disableApiKey("k-twice", HOUR);
    await expect(access.disableApiKey("k-twice", HOUR)).rejects.toThrow(InvalidTransitionError);
    await expect(access.disableApiKey("k-none", HOUR)).rejects.toThrow(NotFoundError);
  });
});

describe("webhooks", () => {
  const event = (id: string) => ({ event_id: id, account_id: "acct-w", endpoint_url: "https://example.test/hook", payload: { id } });

  test("GIVEN maxAttempts 3 WHEN three attempts fail THEN pending, pending, dead; dead is listed and final", async () => {
    await access.recordWebhookEvent(event("wh-dies"));
    expect(await access.recordDeliveryFailure("wh-dies", "HTTP 500")).toBe("pending");
    expect(await raw(tables.webhookEvents, { event_id: "wh-dies" })).toEqual(
      expect.objectContaining({ status: "pending", attempt_count: 1 }),
    );
    expect(await access.recordDeliveryFailure("wh-dies", "HTTP 502")).toBe("pending");
    expect(await access.recordDeliveryFailure("wh-dies", "timeout")).toBe("dead");
    const dead = await access.listDeadWebhookEvents();
    expect(dead.map((e) => [e.event_id, e.attempt_count, e.last_error])).toEqual([["wh-dies", 3, "timeout"]]);
    await expect(access.markDelivered("wh-dies", HOUR)).rejects.toThrow(InvalidTransitionError);
    await expect(access.recordDeliveryFailure("wh-dies", "again")).rejects.toThrow(InvalidTransitionError);
  });

  test("GIVEN a dead event WHEN an operator requeues it THEN it is pending, due, attempts reset; only dead events can be requeued", async () => {
    await access.recordWebhookEvent(event("wh-requeue"));
    for (const error of ["a", "b", "c"]) await access.recordDeliveryFailure("wh-requeue", error);
    await access.requeueDeadWebhookEvent("wh-requeue");
    expect(await raw(tables.webhookEvents, { event_id: "wh-requeue" })).toEqual(
      expect.objectContaining({ status: "pending", attempt_count: 0, last_error: "c" }),
    );
    expect((await access.listDueWebhookEvents("pending", 200)).map((e) => e.event_id)).toContain("wh-requeue");
    await expect(access.requeueDeadWebhookEvent("wh-requeue")).rejects.toThrow(
      new InvalidTransitionError(tables.webhookEvents, "wh-requeue", "pending", "pending (requeued)"),
    );
    await expect(access.requeueDeadWebhookEvent("wh-nope")).rejects.toThrow(NotFoundError);
  });

  test("GIVEN a delivered event WHEN a failure is recorded after THEN InvalidTransitionError and it is not due again", async () => {
    await access.recordWebhookEvent(event("wh-done"));
    await access.markDelivered("wh-done", HOUR);
    await expect(access.recordDeliveryFailure("wh-done", "late", 0)).rejects.toThrow(InvalidTransitionError);
    await expect(access.markDelivered("wh-done", HOUR)).rejects.toThrow(InvalidTransitionError);
    await expect(access.markDelivered("wh-missing", HOUR)).rejects.toThrow(NotFoundError);
    expect((await later(10 * HOUR).listDueWebhookEvents()).map((e) => e.event_id)).not.toContain("wh-done");
    expect(await raw(tables.webhookEvents, { event_id: "wh-done" })).toEqual(
      expect.objectContaining({ status: "delivered", attempt_count: 1 }),
    );
  });

  test("GIVEN 20 due events WHEN 5 workers lease and deliver in parallel THEN each event is delivered exactly once", async () => {
    const ids = Array.from({ length: 20 }, (_, n) => `wh-many-${n}`);
    await Promise.all(ids.map((id) => access.recordWebhookEvent(event(id))));
    const deliveries: string[] = [];
    const worker = async () => {
      for (
        let leases = await access.leaseDueWebhookEvents({ limit: 4 });
        leases.length > 0;
        leases = await access.leaseDueWebhookEvents({ limit: 4 })
      ) {
        for (const lease of leases) {
          deliveries.push(lease.eventId);
          await access.markDelivered(lease, HOUR);
        }
      }
    };
    await Promise.all(Array.from({ length: 5 }, worker));
    expect(deliveries.filter((id) => id.startsWith("wh-many-")).sort()).toEqual([...ids].sort());
  });

  test("GIVEN a lease that lapsed WHEN another worker leases the event THEN the first worker's outcome is refused", async () => {
    await access.recordWebhookEvent(event("wh-slow"));
    const [slow] = (await access.leaseDueWebhookEvents({ limit: 50 })).filter((l) => l.eventId === "wh-slow");
    expect((await access.leaseDueWebhookEvents({ limit: 50 })).map((l) => l.eventId)).not.toContain("wh-slow");
    const [fast] = (await later(61).leaseDueWebhookEvents({ limit: 50 })).filter((l) => l.eventId === "wh-slow");
    await expect(access.markDelivered(slow, HOUR)).rejects.toThrow(LeaseLostError);
    await expect(access.recordDeliveryFailure(slow, "x")).rejects.toThrow(LeaseLostError);
    await access.markDelivered(fast, HOUR);
  });
});

describe("audit trail", () => {
  const at = (second: number) => new Date(Date.UTC(2026, 5, 1, 0, 0, second));
  const entry = (accountId: string, second: number) => ({
    account_id: accountId,
    actor_id: "admin:paging",
    action: `action-${String(second).padStart(3, "0")}`,
    resource_type: "r",
    resource_id: "1",
    occurredAt: at(second),
    retentionSeconds: 365 * 24 * HOUR,
  });

  test("GIVEN 25 entries WHEN listed 10 at a time THEN three pages with cursors, and the iterator yields all 25 in order", async () => {
    await Promise.all(Array.from({ length: 25 }, (_, n) => access.appendAuditEntry(entry("acct-pages", n))));
    const first = await access.listAccountAuditTrail("acct-pages", at(0), at(300), { limit: 10 });
    const second = await access.listAccountAuditTrail("acct-pages", at(0), at(300), { limit: 10, cursor: first.cursor });
    const third = await access.listAccountAuditTrail("acct-pages", at(0), at(300), { limit: 10, cursor: second.cursor });
    expect([first.length, second.length, third.length]).toEqual([10, 10, 5]);
    expect(third.cursor).toBeUndefined();
    expect([first[0].action, second[0].action, third[4].action]).toEqual(["action-000", "action-010", "action-024"]);
    const all: string[] = [];
    for await (const e of access.iterate((cursor) => access.listActorAuditTrail("admin:paging", at(0), at(300), { limit: 10, cursor }))) {
      all.push(e.action);
    }
    expect(all).toHaveLength(25);
    expect(all[24]).toBe("action-024");
    await expect(access.listAccountAuditTrail("acct-other", at(0), at(300), { cursor: first.cursor })).rejects.toThrow(
      /cursor: issued for another account_id/,
    );
  });

  test("GIVEN expired entries between live ones WHEN listed 3 at a time THEN DynamoDB's short pages are followed: full pages of live entries only", async () => {
    // Query's Limit counts items before the expiry filter, so a DynamoDB page can come back with
    // fewer live entries than asked; the library must keep reading, not return a short page.
    const appended = Array.from({ length: 12 }, (_, n) =>
      access.appendAuditEntry({ ...entry("acct-expired", n), retentionSeconds: n % 2 === 0 ? HOUR : 365 * 24 * HOUR }),
    );
    await Promise.all(appended);
    const first = await access.listAccountAuditTrail("acct-expired", at(0), at(300), { limit: 3 });
    expect(first.map((e) => e.action)).toEqual(["action-001", "action-003", "action-005"]);
    expect(first.cursor).toBeDefined();
    const all: string[] = [];
    for await (const e of access.iterate((cursor) => access.listAccountAuditTrail("acct-expired", at(0), at(300), { limit: 3, cursor }))) {
      all.push(e.action);
    }
    expect(all).toEqual(["action-001", "action-003", "action-005", "action-007", "action-009", "action-011"]);
  });

  test("GIVEN an entry missing fields or too large WHEN appended THEN ValidationError or ItemTooLargeError and nothing written", async () => {
    await expect(access.appendAuditEntry({ ...entry("acct-bad", 1), actor_id: "", retentionSeconds: 0 })).rejects.toThrow(
      "audit entry: actor_id: required, a non-empty string; retentionSeconds: a whole number of seconds >= 1 (got 0)",
    );
    await expect(access.appendAuditEntry({ ...entry("acct-bad", 2), details: { blob: "x".repeat(400 * 1024) } })).rejects.toThrow(
      ItemTooLargeError,
    );
    expect(await access.listAccountAuditTrail("acct-bad", at(0), at(10))).toEqual([]);
  });
});

test("Powertools' idempotency utility works on idempotency_keys with our key and TTL attributes", async () => {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: tables.idempotencyKeys,
    keyAttr: "idempotency_key",
    expiryAttr: "expires_at",
    awsSdkV3Client: client,
  });
  let runs = 0;
  const config = new IdempotencyConfig({ expiresAfterSeconds: HOUR });
  // Powertools' in-progress lease is the Lambda's remaining time (in_progress_expiration, milliseconds).
  config.registerLambdaContext({ getRemainingTimeInMillis: () => 30_000 });
  const before = Math.floor(Date.now() / 1000);
  const handler = makeIdempotent(
    (event: { orderId: string }) => {
      runs += 1;
      return Promise.resolve({ statusCode: 201, orderId: event.orderId });
    },
    { persistenceStore, keyPrefix: "orders-service", config },
  );
  expect(await handler({ orderId: "o-7" })).toEqual({ statusCode: 201, orderId: "o-7" });
  expect(await handler({ orderId: "o-7" })).toEqual({ statusCode: 201, orderId: "o-7" });
  expect(runs).toBe(1);
  const key = `orders-service#${createHash("md5")
    .update(JSON.stringify({ orderId: "o-7" }))
    .digest("base64")}`;
  const item = await raw(tables.idempotencyKeys, { idempotency_key: key });
  expect(item).toEqual(expect.objectContaining({ status: "COMPLETED", data: { statusCode: 201, orderId: "o-7" } }));
  // expires_at in epoch seconds, as our TTL expects.
  expect(item!.expires_at).toBeGreaterThanOrEqual(before + HOUR);
  expect(item!.expires_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + HOUR);
});

test("the README example (examples/access-patterns.ts) runs as written against DynamoDB Local", () => {
  const result = spawnSync(process.execPath, ["scripts/run-ts.js", "examples/access-patterns.ts"], {
    cwd: sharedCheckout(),
    encoding: "utf8",
    env: { ...process.env, OPSDATA_ENDPOINT: dynamodb.endpoint, OPSDATA_TABLE_PREFIX: "opsdata_dev_", AWS_REGION: "eu-west-1" },
  });
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.stdout).toBe("api key valid: true\nduplicate: existing, replayed status 201\naudit entries: 1\n");
  expect(result.status).toBe(0);
});
