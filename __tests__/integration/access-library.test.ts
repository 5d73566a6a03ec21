/**
 * @opsdata/access on DynamoDB Local (dev tables, created from the synthesized stack): idempotency,
 * API keys, the webhook state machine, leases under races, renewals, clock skew and throttling,
 * paged audit trails, typed errors, isolated callbacks; plus Powertools' idempotency utility on our
 * table and the repository example (examples/access-patterns.ts) run as written.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { DynamoDBClient, ProvisionedThroughputExceededException, type ServiceInputTypes } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import {
  DynamoDbError,
  ItemTooLargeError,
  MalformedRecordError,
  OpsDataAccess,
  ThrottledError,
  ValidationError,
  hashApiKey,
  tableNamesWithPrefix,
  type IdempotencyClaim,
  type IdempotencyClaimResult,
  type OpsDataAccessOptions,
  type WebhookLease,
} from "../../packages/opsdata-access/src";
import { itemBytes } from "../../packages/opsdata-access/src/item-size";
import { createTablesFromStack } from "../../local/tables-from-terraform";
import type { SynthesizedStackJson } from "../../stacks/app";
import { shippedStacks } from "../helpers/synth";
import { capacityRecorder } from "./support/capacity";
import { sharedCheckout } from "./support/project-copy";
import { suiteDynamoDb, type SuiteDynamoDb } from "./support/dynamodb";

const HOUR = 3600;
/** The library's default tolerated clock skew (DEFAULT_CLOCK_SKEW_TOLERANCE_SECONDS), as documented: 120 s. */
const SKEW = 120;
const tables = tableNamesWithPrefix("opsdata_dev_");
let dynamodb: SuiteDynamoDb;
let stack: SynthesizedStackJson;
let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let access: OpsDataAccess;
const capacity = capacityRecorder("access-library");
const clients: DynamoDBClient[] = [];

/** A library whose clock runs `seconds` ahead of this machine's (leases and windows lapse without waiting). */
const later = (seconds: number, options: Partial<OpsDataAccessOptions> = {}, on = client) =>
  new OpsDataAccess(on, { tables, clock: () => new Date(Date.now() + seconds * 1000), ...options });

/** Its own database on the suite's server (another access key id), with fresh tables: for tests that lease "any due event". */
async function freshClient(namespace: string): Promise<DynamoDBClient> {
  const own = new DynamoDBClient((await suiteDynamoDb(namespace)).clientConfig);
  clients.push(own);
  await createTablesFromStack(own, stack);
  return own;
}

beforeAll(async () => {
  stack = shippedStacks()["dynamodb-dev"];
  // The example (run below as written) signs as "local" (examples/access-patterns.ts), so this
  // file's tables live under that access key on the suite's server.
  dynamodb = await suiteDynamoDb("local");
  client = new DynamoDBClient(dynamodb.clientConfig);
  await createTablesFromStack(client, stack);
  documents = DynamoDBDocumentClient.from(client);
  access = new OpsDataAccess(client, { tables, webhooks: { maxAttempts: 3 }, onCapacity: capacity.record });
});

afterAll(() => {
  for (const each of [client, ...clients]) each?.destroy();
  capacity.report();
});

const claimed = (result: IdempotencyClaimResult): IdempotencyClaim => {
  if (result.outcome !== "claimed") throw new Error(`expected a claim, got ${JSON.stringify(result)}`);
  return result.claim;
};
const raw = async (table: string, key: Record<string, unknown>, on?: DynamoDBClient) =>
  (await (on ? DynamoDBDocumentClient.from(on) : documents).send(new GetCommand({ TableName: table, Key: key }))).Item;

/** Fails the `nth` request of a command (counted from now) with DynamoDB's throttling error, before the SDK's retries. */
function injectThrottle(on: DynamoDBClient, command: string, nth: number): void {
  let seen = 0;
  on.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command && ++seen === nth) {
        throw new ProvisionedThroughputExceededException({ message: "injected by the test", $metadata: { httpStatusCode: 400 } });
      }
      return next(args);
    },
    { step: "initialize", name: `throttle-${command}-${nth}` },
  );
}

describe("idempotency", () => {
  const request = (key: string, accountId = "acct-1", service = "payments") => ({
    accountId,
    service,
    key,
    windowSeconds: HOUR,
    request: { amount: 100 },
  });

  test("GIVEN 40 parallel claims of one key WHEN they race THEN exactly one is claimed and 39 see it in progress", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => access.idempotency.claim(request("race"))));
    expect(results.filter((r) => r.outcome === "claimed")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "in_progress")).toHaveLength(39);
  });

  test("GIVEN two accounts WHEN both use the client key req-1 THEN each gets its own record", async () => {
    const a = claimed(await access.idempotency.claim(request("req-1", "acct-a")));
    const b = claimed(await access.idempotency.claim(request("req-1", "acct-b")));
    expect([a.idempotencyKey, b.idempotencyKey]).toEqual(["opsdata#acct-a#payments#req-1", "opsdata#acct-b#payments#req-1"]);
  });

  test("GIVEN payments completed req-1 WHEN refunds sends req-1 for the same account THEN refunds claims its own key, no replay", async () => {
    const payments = claimed(await access.idempotency.claim(request("shared", "acct-x", "payments")));
    expect(await access.idempotency.complete(payments, { statusCode: 201, body: "payment" })).toEqual({ outcome: "completed" });
    const refunds = await access.idempotency.claim(request("shared", "acct-x", "refunds"));
    expect(refunds.outcome).toBe("claimed");
    expect(await access.idempotency.claim(request("shared", "acct-x", "payments"))).toEqual({
      outcome: "completed",
      response: { statusCode: 201, body: "payment" },
      completedAt: expect.any(Date),
    });
  });

  test("GIVEN a completed key WHEN the same request comes again THEN the stored response; the record shows no token", async () => {
    const claim = claimed(await access.idempotency.claim(request("replay")));
    await access.idempotency.complete(claim, { statusCode: 201, body: "created" });
    expect(await access.idempotency.claim(request("replay"))).toEqual(
      expect.objectContaining({ outcome: "completed", response: { statusCode: 201, body: "created" } }),
    );
    const found = await access.idempotency.get({ accountId: "acct-1", service: "payments", key: "replay" });
    expect(found).toEqual({
      outcome: "found",
      record: {
        accountId: "acct-1",
        service: "payments",
        key: "replay",
        status: "completed",
        createdAt: expect.any(Date),
        expiresAt: expect.any(Date),
        completedAt: expect.any(Date),
        response: { statusCode: 201, body: "created" },
      },
    });
  });

  test("GIVEN a claimed key WHEN the same key comes with other parameters THEN payload_mismatch", async () => {
    claimed(await access.idempotency.claim(request("mismatch")));
    expect(await access.idempotency.claim({ ...request("mismatch"), request: { amount: 999 } })).toEqual({ outcome: "payload_mismatch" });
  });

  test("GIVEN a claim whose lease lapsed WHEN the same request claims within the tolerated skew THEN in progress; after it THEN taken over", async () => {
    const first = claimed(await access.idempotency.claim({ ...request("crashed"), leaseSeconds: 30 }));
    expect(await later(31).idempotency.claim(request("crashed"))).toEqual({
      outcome: "in_progress",
      retryAfter: new Date(first.leaseExpiresAt.getTime() + SKEW * 1000),
    });
    expect(await later(31 + SKEW).idempotency.claim({ ...request("crashed"), request: { amount: 1 } })).toEqual({
      outcome: "payload_mismatch",
    });
    const second = claimed(await later(31 + SKEW).idempotency.claim(request("crashed")));
    expect(second.token).not.toBe(first.token);
    // The first holder's clock says its lease still runs, but its token no longer matches.
    expect(await access.idempotency.complete(first, "late")).toEqual({ outcome: "lease_lost" });
    expect(await later(31 + SKEW).idempotency.complete(second, "done")).toEqual({ outcome: "completed" });
  });

  test("GIVEN a claim WHEN completed with a wrong token, twice, or for an unknown key THEN lease_lost", async () => {
    const claim = claimed(await access.idempotency.claim(request("holder")));
    expect(await access.idempotency.complete({ ...claim, token: "guessed" }, "x")).toEqual({ outcome: "lease_lost" });
    expect(await access.idempotency.complete(claim, "ok")).toEqual({ outcome: "completed" });
    expect(await access.idempotency.complete(claim, "again")).toEqual({ outcome: "lease_lost" });
    expect(await access.idempotency.complete({ ...claim, idempotencyKey: "opsdata#acct-1#payments#never" }, "x")).toEqual({
      outcome: "lease_lost",
    });
  });

  test("GIVEN a claim WHEN its window has passed by the holder's clock THEN complete is refused without a write and the record stays in progress", async () => {
    const claim = claimed(await access.idempotency.claim({ ...request("after-window"), windowSeconds: 300, leaseSeconds: 60 }));
    expect(await later(301).idempotency.complete(claim, "too late")).toEqual({ outcome: "lease_expired" });
    expect(await later(61).idempotency.complete(claim, "too late")).toEqual({ outcome: "lease_expired" });
    expect(await raw(tables.idempotencyKeys, { idempotency_key: claim.idempotencyKey })).toEqual(
      expect.objectContaining({ status: "in_progress", lease_token: claim.token }),
    );
  });

  test("GIVEN a claim renewed before its lease ends WHEN the first lease has lapsed THEN others still see it in progress and the holder completes", async () => {
    // Every clock from one base instant, on a whole second: leases are stored in whole seconds.
    const base = Math.ceil(Date.now() / 1000) * 1000;
    const at = (seconds: number) => new OpsDataAccess(client, { tables, clock: () => new Date(base + seconds * 1000) });
    const claim = claimed(await at(0).idempotency.claim({ ...request("renewed"), leaseSeconds: 30 }));
    const renewal = await at(20).idempotency.renew(claim, { leaseSeconds: 60 });
    if (renewal.outcome !== "renewed") throw new Error(`expected renewed, got ${renewal.outcome}`);
    expect(renewal.claim.leaseExpiresAt.getTime() - claim.leaseExpiresAt.getTime()).toBe(50_000);
    expect((await at(31 + SKEW).idempotency.claim(request("renewed"))).outcome).toBe("in_progress");
    expect(await at(70).idempotency.complete(renewal.claim, "done")).toEqual({ outcome: "completed" });
    // Renewing after the lease ended (by the holder's clock) is refused without a write.
    const lapsed = claimed(await access.idempotency.claim({ ...request("not-renewed"), leaseSeconds: 30 }));
    expect(await later(30).idempotency.renew(lapsed)).toEqual({ outcome: "lease_expired" });
  });

  test("GIVEN a claim WHEN its holder releases it THEN the key can be claimed at once; a wrong token cannot release", async () => {
    const claim = claimed(await access.idempotency.claim(request("released")));
    expect(await access.idempotency.release({ ...claim, token: "guessed" })).toEqual({ outcome: "lease_lost" });
    expect(await access.idempotency.release(claim)).toEqual({ outcome: "released" });
    expect((await access.idempotency.claim(request("released"))).outcome).toBe("claimed");
  });

  test("GIVEN a response holding undefined and a Date WHEN completed THEN stored as its JSON form and replayed so", async () => {
    const claim = claimed(await access.idempotency.claim(request("json-form")));
    const response = { statusCode: 200, at: new Date("2026-01-02T03:04:05.000Z"), note: undefined, items: [1, undefined] };
    expect(await access.idempotency.complete(claim, response)).toEqual({ outcome: "completed" });
    expect(await access.idempotency.claim(request("json-form"))).toEqual(
      expect.objectContaining({ outcome: "completed", response: { statusCode: 200, at: "2026-01-02T03:04:05.000Z", items: [1, null] } }),
    );
    const empty = claimed(await access.idempotency.claim(request("json-undefined")));
    expect(await access.idempotency.complete(empty, undefined)).toEqual({ outcome: "completed" });
    expect(await access.idempotency.claim(request("json-undefined"))).toEqual(expect.objectContaining({ response: null }));
  });

  test("GIVEN a response over 400 KB WHEN stored THEN ItemTooLargeError before any write and the claim stays in progress", async () => {
    const claim = claimed(await access.idempotency.claim(request("large")));
    await expect(access.idempotency.complete(claim, "x".repeat(401 * 1024))).rejects.toThrow(ItemTooLargeError);
    expect(await access.idempotency.get({ accountId: "acct-1", service: "payments", key: "large" })).toEqual({
      outcome: "found",
      record: expect.objectContaining({ status: "in_progress" }),
    });
  });

  test("GIVEN a completed request with amount null WHEN the key comes with NaN, Infinity, 100n or a Date THEN ValidationError, never its response", async () => {
    const first = await access.idempotency.claim({ ...request("json-only"), request: { amount: null, at: "1970-01-01T00:00:00.000Z" } });
    if (first.outcome !== "claimed") throw new Error(first.outcome);
    await access.idempotency.complete(first.claim, { charged: "first" });
    for (const [amount, problem] of [
      [NaN, "request.amount: NaN is not JSON; send null or a string"],
      [Infinity, "request.amount: Infinity is not JSON; send null or a string"],
      [BigInt(100), "request.amount: a bigint is not JSON; send it as a string or a number"],
    ] as const) {
      await expect(
        access.idempotency.claim({ ...request("json-only"), request: { amount, at: "1970-01-01T00:00:00.000Z" } }),
      ).rejects.toThrow(`idempotency.claim: ${problem}`);
    }
    await expect(access.idempotency.claim({ ...request("json-only"), request: { amount: null, at: new Date(0) } })).rejects.toThrow(
      "idempotency.claim: request.at: a Date is not plain JSON; send its toISOString()",
    );
    expect(await access.idempotency.claim({ ...request("json-only"), request: { amount: null, at: "1970-01-01T00:00:00.000Z" } })).toEqual({
      outcome: "completed",
      response: { charged: "first" },
      completedAt: expect.any(Date),
    });
  });

  test("GIVEN bad claims WHEN made THEN ValidationError naming the field, nothing written", async () => {
    await expect(access.idempotency.claim({ ...request("x"), accountId: "a#b" })).rejects.toThrow(
      'accountId: must not contain "#" (got "a#b")',
    );
    await expect(access.idempotency.claim({ ...request("x"), leaseSeconds: HOUR })).rejects.toThrow(
      "idempotency.claim: leaseSeconds: a whole number from 1 to windowSeconds minus the tolerated clock skew (3600 - 120) (got 3600)",
    );
    expect(await access.idempotency.get({ accountId: "acct-1", service: "payments", key: "x" })).toEqual({ outcome: "not_found" });
  });

  test("GIVEN an onCapacity callback that throws WHEN a key is claimed THEN the claim succeeds, the error is handed over, the key is not blocked", async () => {
    const handed: unknown[] = [];
    const throwing = new OpsDataAccess(client, {
      tables,
      onCapacity: () => {
        throw new Error("metrics backend down");
      },
      onCallbackError: (error) => handed.push(error),
    });
    const claim = claimed(await throwing.idempotency.claim(request("callback")));
    expect(await throwing.idempotency.complete(claim, "ok")).toEqual({ outcome: "completed" });
    expect(handed.map((error) => (error as Error).message)).toEqual(["metrics backend down", "metrics backend down"]);
  });

  test("GIVEN requests of two services WHEN the account's requests are listed THEN what the index projects, no Powertools records", async () => {
    await access.idempotency.claim(request("listed-1", "acct-list", "payments"));
    await access.idempotency.claim(request("listed-2", "acct-list", "refunds"));
    const page = await access.idempotency.listForAccount("acct-list");
    expect(page.items.map((r) => [r.service, r.key, r.status]).sort()).toEqual([
      ["payments", "listed-1", "in_progress"],
      ["refunds", "listed-2", "in_progress"],
    ]);
    expect(Object.keys(page.items[0]).sort()).toEqual(["accountId", "createdAt", "expiresAt", "key", "service", "status"]);
  });
});

describe("api keys", () => {
  const create = (raw: string, extra = {}) =>
    access.apiKeys.create({ apiKeyHash: hashApiKey(raw), accountId: "acct-k", createdAt: new Date("2026-01-01T00:00:00Z"), ...extra });

  test("GIVEN active, disabled, expired and unknown keys WHEN validated THEN valid with the account, or the reason", async () => {
    await create("k-active");
    await create("k-disabled");
    expect(await access.apiKeys.disable(hashApiKey("k-disabled"), { retentionSeconds: HOUR })).toEqual({
      outcome: "disabled",
      expiresAt: expect.any(Date),
    });
    await create("k-expires", { expiresAt: new Date(Date.now() + 60_000) });
    expect(await access.apiKeys.validate(hashApiKey("k-active"))).toEqual(
      expect.objectContaining({ outcome: "valid", accountId: "acct-k" }),
    );
    expect(await access.apiKeys.validate(hashApiKey("k-disabled"))).toEqual({ outcome: "invalid", reason: "disabled" });
    expect(await later(61).apiKeys.validate(hashApiKey("k-expires"))).toEqual({ outcome: "invalid", reason: "expired" });
    expect(await access.apiKeys.validate(hashApiKey("k-unknown"))).toEqual({ outcome: "invalid", reason: "unknown" });
  });

  test("GIVEN keys WHEN created twice, disabled twice or unknown THEN already_exists, already_disabled, not_found", async () => {
    expect((await create("k-twice")).outcome).toBe("created");
    expect(await create("k-twice")).toEqual({ outcome: "already_exists" });
    await access.apiKeys.disable(hashApiKey("k-twice"), { retentionSeconds: HOUR });
    expect(await access.apiKeys.disable(hashApiKey("k-twice"), { retentionSeconds: HOUR })).toEqual({ outcome: "already_disabled" });
    expect(await access.apiKeys.disable(hashApiKey("k-none"), { retentionSeconds: HOUR })).toEqual({ outcome: "not_found" });
  });

  test("GIVEN the default WHEN a key is validated THEN the GetItem is strongly consistent; consistentRead false opts out", async () => {
    const own = new DynamoDBClient(dynamodb.clientConfig);
    clients.push(own);
    const sent: ServiceInputTypes[] = [];
    own.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetItemCommand") sent.push(args.input as ServiceInputTypes);
        return next(args);
      },
      { step: "initialize" },
    );
    const watched = new OpsDataAccess(own, { tables });
    await create("k-consistent");
    await watched.apiKeys.validate(hashApiKey("k-consistent"));
    await watched.apiKeys.validate(hashApiKey("k-consistent"), { consistentRead: false });
    expect(sent.map((input) => (input as { ConsistentRead?: boolean }).ConsistentRead)).toEqual([true, false]);
  });

  test("GIVEN active records without an account, with a blank one, or with a text expiry WHEN validated THEN invalid, malformed", async () => {
    const records = {
      "no-account": { status: "active", created_at: "2026-01-01T00:00:00.000Z" },
      // DynamoDB refuses "" or a number for the index key attribute; a blank one it stores.
      "blank-account": { account_id: " ", status: "active", created_at: "2026-01-01T00:00:00.000Z" },
      "text-expiry": { account_id: "acct-k", status: "active", created_at: "2026-01-01T00:00:00.000Z", expires_at: "2000-01-01" },
    };
    for (const [name, record] of Object.entries(records)) {
      const apiKeyHash = hashApiKey(`malformed-${name}`);
      await documents.send(new PutCommand({ TableName: tables.apiKeys, Item: { api_key_hash: apiKeyHash, ...record } }));
      expect([name, await access.apiKeys.validate(apiKeyHash)]).toEqual([name, { outcome: "invalid", reason: "malformed" }]);
    }
  });

  test("GIVEN a raw key WHEN validated THEN ValidationError: only hashes are looked up", async () => {
    await expect(access.apiKeys.validate("sk_live_raw_key")).rejects.toThrow(
      "apiKeys.validate: apiKeyHash: the SHA-256 of the key as 64 lowercase hex digits (hashApiKey(rawKey)); never the raw key",
    );
  });
});

describe("errors", () => {
  test("GIVEN a throttled GetItem WHEN a key is validated THEN ThrottledError, retryable, with the SDK error as cause", async () => {
    const own = new DynamoDBClient(dynamodb.clientConfig);
    clients.push(own);
    injectThrottle(own, "GetItemCommand", 1);
    const error = await new OpsDataAccess(own, { tables }).apiKeys.validate(hashApiKey("any")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toEqual(expect.objectContaining({ code: "THROTTLED", retryable: true, operation: "apiKeys.validate" }));
    expect((error as ThrottledError).cause).toBeInstanceOf(ProvisionedThroughputExceededException);
  });

  test("GIVEN a missing table WHEN queried THEN DynamoDbError naming the operation with the SDK error as cause, not retryable", async () => {
    const missing = new OpsDataAccess(client, { tables: tableNamesWithPrefix("missing_") });
    const error = await missing.audit.accountTrail("a", { from: new Date(0), to: new Date() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDbError);
    expect(error).toEqual(
      expect.objectContaining({ awsErrorName: "ResourceNotFoundException", retryable: false, operation: "audit.accountTrail" }),
    );
    expect((error as DynamoDbError).cause).toEqual(expect.objectContaining({ name: "ResourceNotFoundException" }));
  });
});

describe("webhooks", () => {
  const event = (id: string, accountId = "acct-w") => ({
    eventId: id,
    accountId,
    endpointUrl: "https://example.test/hook",
    payload: { id },
  });
  const leaseOf = async (on: OpsDataAccess, eventId: string, options = {}): Promise<WebhookLease> => {
    const batch = await on.webhooks.lease({ limit: 1000, ...options });
    const found = batch.leases.find((lease) => lease.eventId === eventId);
    for (const other of batch.leases.filter((lease) => lease !== found)) await on.webhooks.release(other);
    if (!found) throw new Error(`${eventId} was not leased: ${JSON.stringify(batch.attempts)}`);
    return found;
  };

  test("GIVEN maxAttempts 3 WHEN three leased attempts fail THEN retry, retry, dead; an operator lists, requeues; only dead events", async () => {
    await access.webhooks.record(event("wh-dies"));
    const retryNow = () => ({ retryAt: new Date() });
    expect(await access.webhooks.recordFailure(await leaseOf(access, "wh-dies"), { error: "HTTP 500", ...retryNow() })).toEqual({
      outcome: "retry_scheduled",
      nextRetryAt: expect.any(Date),
      attemptCount: 1,
    });
    expect((await access.webhooks.recordFailure(await leaseOf(access, "wh-dies"), { error: "HTTP 502", ...retryNow() })).outcome).toBe(
      "retry_scheduled",
    );
    expect(await access.webhooks.recordFailure(await leaseOf(access, "wh-dies"), { error: "timeout" })).toEqual({
      outcome: "dead",
      attemptCount: 3,
    });
    const dead = await access.webhookOperator.listDead();
    expect(dead.items.map((e) => [e.eventId, e.status, e.attemptCount, e.lastError])).toEqual([["wh-dies", "dead", 3, "timeout"]]);
    expect(await access.webhookOperator.requeueDead("wh-dies")).toEqual({ outcome: "requeued" });
    expect(await access.webhookOperator.requeueDead("wh-dies")).toEqual({ outcome: "not_dead", status: "pending" });
    expect(await access.webhookOperator.requeueDead("wh-nope")).toEqual({ outcome: "not_found" });
    expect(await raw(tables.webhookEvents, { event_id: "wh-dies" })).toEqual(
      expect.objectContaining({ status: "pending", attempt_count: 0, last_error: "timeout" }),
    );
    const requeued = await leaseOf(access, "wh-dies");
    expect(await access.webhooks.markDelivered(requeued, { retentionSeconds: HOUR })).toEqual({ outcome: "delivered" });
  });

  test("GIVEN a lease WHEN its event id alone, a zero or negative lease, or a retry time in milliseconds is passed THEN ValidationError, nothing written", async () => {
    await access.webhooks.record(event("wh-bare"));
    const bare = "wh-bare" as unknown as WebhookLease;
    await expect(access.webhooks.recordFailure(bare, { error: "x" })).rejects.toThrow(
      "webhooks.recordFailure: lease: pass a lease from webhooks.lease(); a bare event id is refused",
    );
    await expect(access.webhooks.markDelivered(bare, { retentionSeconds: HOUR })).rejects.toThrow(ValidationError);
    await expect(access.webhooks.lease({ leaseSeconds: 0 })).rejects.toThrow(
      "webhooks.lease: leaseSeconds: a whole number of seconds from 1 to 86400 (got 0)",
    );
    await expect(access.webhooks.lease({ leaseSeconds: -5 })).rejects.toThrow(ValidationError);
    expect(() => new OpsDataAccess(client, { tables, webhooks: { leaseSeconds: 0 } })).toThrow(
      "webhook policy (options.webhooks): leaseSeconds: a whole number from 1 to 86400 (got 0)",
    );
    const lease = await leaseOf(access, "wh-bare");
    await expect(access.webhooks.recordFailure(lease, { error: "x", retryAt: new Date(Date.now() * 1000) })).rejects.toThrow(
      /retryAt: between now and 30 days ahead/,
    );
    expect(await raw(tables.webhookEvents, { event_id: "wh-bare" })).toEqual(
      expect.objectContaining({ status: "pending", attempt_count: 0 }),
    );
    await access.webhooks.markDelivered(lease, { retentionSeconds: HOUR });
  });

  test("GIVEN a delivered event WHEN its holder records again THEN lease_lost and it is never due again", async () => {
    await access.webhooks.record(event("wh-done"));
    const lease = await leaseOf(access, "wh-done");
    expect(await access.webhooks.markDelivered(lease, { retentionSeconds: HOUR })).toEqual({ outcome: "delivered" });
    expect(await access.webhooks.recordFailure(lease, { error: "late" })).toEqual({ outcome: "lease_lost" });
    expect(await access.webhooks.markDelivered(lease, { retentionSeconds: HOUR })).toEqual({ outcome: "lease_lost" });
    expect((await later(10 * HOUR).webhooks.listDue({ limit: 1000 })).items.map((e) => e.eventId)).not.toContain("wh-done");
    expect(await raw(tables.webhookEvents, { event_id: "wh-done" })).toEqual(
      expect.objectContaining({ status: "delivered", attempt_count: 1 }),
    );
  });

  test("GIVEN 40 due events WHEN 5 workers lease 4 at a time and deliver in parallel THEN each is delivered exactly once", async () => {
    const own = new OpsDataAccess(await freshClient("accessLibraryWorkers"), { tables, onCapacity: capacity.record });
    const ids = Array.from({ length: 40 }, (_, n) => `wh-many-${n}`);
    await Promise.all(ids.map((id) => own.webhooks.record(event(id))));
    const deliveries: string[] = [];
    let taken = 0;
    const worker = async () => {
      for (let batch = await own.webhooks.lease({ limit: 4 }); batch.leases.length > 0; batch = await own.webhooks.lease({ limit: 4 })) {
        taken += batch.attempts.filter((attempt) => attempt.outcome === "taken").length;
        for (const lease of batch.leases) {
          deliveries.push(lease.eventId);
          expect(await own.webhooks.markDelivered(lease, { retentionSeconds: HOUR })).toEqual({ outcome: "delivered" });
        }
      }
    };
    await Promise.all(Array.from({ length: 5 }, worker));
    expect(deliveries.sort()).toEqual([...ids].sort());
    // Contention (lease writes that lost a race), for the record: random order spreads the workers.
    console.log(`5 workers, 40 events: ${taken} lease writes lost a race`);
  });

  test("GIVEN 40 due events WHEN 5 workers on their own clients poll at the same moment, round after round THEN each event is leased once", async () => {
    const namespace = "accessLibraryPolls";
    const config = (await suiteDynamoDb(namespace)).clientConfig;
    const recorder = new OpsDataAccess(await freshClient(namespace), { tables });
    const workers = Array.from({ length: 5 }, () => {
      const own = new DynamoDBClient(config);
      clients.push(own);
      return new OpsDataAccess(own, { tables });
    });
    await Promise.all(Array.from({ length: 40 }, (_, n) => recorder.webhooks.record(event(`wh-poll-${n}`))));
    const leased: string[] = [];
    let lost = 0;
    for (let round = 1; leased.length < 40 && round <= 20; round++) {
      for (const batch of await Promise.all(workers.map((worker) => worker.webhooks.lease({ limit: 4 })))) {
        leased.push(...batch.leases.map((lease) => lease.eventId));
        lost += batch.attempts.filter((attempt) => attempt.outcome === "taken").length;
      }
    }
    expect(leased.sort()).toEqual(Array.from({ length: 40 }, (_, n) => `wh-poll-${n}`).sort());
    // For the record (measured: about 90 lost races and 4 rounds; leasing from the head of the due list: 160 and 10).
    console.log(`5 workers polling together, 40 events: ${lost} lease writes lost a race`);
  });

  test("GIVEN a lease WHEN a worker whose clock is 90 s fast (within the 120 s tolerance) polls THEN it does not steal it; after lease + skew THEN it does", async () => {
    const own = await freshClient("accessLibrarySkew");
    const holder = new OpsDataAccess(own, { tables });
    await holder.webhooks.record(event("wh-skew"));
    const lease = await leaseOf(holder, "wh-skew");
    expect((await later(90, {}, own).webhooks.lease()).leases).toEqual([]);
    expect(await holder.webhooks.markDelivered(lease, { retentionSeconds: HOUR })).toEqual({ outcome: "delivered" });

    await holder.webhooks.record(event("wh-lapsed"));
    const slow = await leaseOf(holder, "wh-lapsed");
    expect((await later(60 + SKEW - 1, {}, own).webhooks.lease()).leases).toEqual([]);
    const fast = await leaseOf(later(60 + SKEW, {}, own), "wh-lapsed");
    // The first holder's clock says its lease runs, but its token no longer matches.
    expect(await holder.webhooks.markDelivered(slow, { retentionSeconds: HOUR })).toEqual({ outcome: "lease_lost" });
    expect(await holder.webhooks.recordFailure(slow, { error: "x" })).toEqual({ outcome: "lease_lost" });
    expect(await later(60 + SKEW, {}, own).webhooks.markDelivered(fast, { retentionSeconds: HOUR })).toEqual({ outcome: "delivered" });
  });

  test("GIVEN two leases WHEN one is renewed THEN it survives past its first expiry while the unrenewed one is leased again", async () => {
    const own = await freshClient("accessLibraryRenew");
    const worker = new OpsDataAccess(own, { tables });
    await worker.webhooks.record(event("wh-renewed"));
    await worker.webhooks.record(event("wh-unrenewed"));
    const batch = await worker.webhooks.lease({ limit: 2, leaseSeconds: 60 });
    const renewed = batch.leases.find((lease) => lease.eventId === "wh-renewed")!;
    const renewal = await later(50, {}, own).webhooks.renew(renewed, { leaseSeconds: 60 });
    if (renewal.outcome !== "renewed") throw new Error(`expected renewed, got ${renewal.outcome}`);
    const other = await later(60 + SKEW, {}, own).webhooks.lease({ limit: 10 });
    expect(other.leases.map((lease) => lease.eventId)).toEqual(["wh-unrenewed"]);
    expect(await later(100, {}, own).webhooks.markDelivered(renewal.lease, { retentionSeconds: HOUR })).toEqual({ outcome: "delivered" });
    // A holder whose own clock says the lease is over refuses, without a write.
    const unrenewed = batch.leases.find((lease) => lease.eventId === "wh-unrenewed")!;
    expect(await later(60, {}, own).webhooks.markDelivered(unrenewed, { retentionSeconds: HOUR })).toEqual({ outcome: "lease_expired" });
    expect(await later(60, {}, own).webhooks.renew(unrenewed)).toEqual({ outcome: "lease_expired" });
  });

  test("GIVEN the third lease write is throttled WHEN a batch of 5 is leased THEN the two leases taken come back with the throttle, and are held", async () => {
    const own = await freshClient("accessLibraryThrottle");
    const recorder = new OpsDataAccess(own, { tables });
    for (let n = 0; n < 5; n++) await recorder.webhooks.record(event(`wh-throttle-${n}`));
    const throttled = new DynamoDBClient((await suiteDynamoDb("accessLibraryThrottle")).clientConfig);
    clients.push(throttled);
    injectThrottle(throttled, "UpdateItemCommand", 3);
    const batch = await new OpsDataAccess(throttled, { tables }).webhooks.lease({ limit: 5 });
    expect(batch.leases).toHaveLength(2);
    expect(batch.attempts.map((attempt) => attempt.outcome)).toEqual(["leased", "leased", "failed"]);
    const failed = batch.attempts[2];
    expect(failed.outcome === "failed" && failed.error).toBeInstanceOf(ThrottledError);
    // The two leases are held: no other worker gets them; the other three are still due.
    const others = await recorder.webhooks.lease({ limit: 5 });
    expect(others.leases.map((lease) => lease.eventId).sort()).toEqual(
      [0, 1, 2, 3, 4].map((n) => `wh-throttle-${n}`).filter((id) => !batch.leases.some((lease) => lease.eventId === id)),
    );
    for (const lease of batch.leases)
      expect(await recorder.webhooks.markDelivered(lease, { retentionSeconds: HOUR })).toEqual({ outcome: "delivered" });
  });
  test("GIVEN a stored event whose payload is not JSON WHEN leased or listed THEN that event is failed or malformed (typed), the others leased", async () => {
    const own = await freshClient("accessLibraryPoison");
    const worker = new OpsDataAccess(own, { tables });
    for (let n = 0; n < 3; n++) await worker.webhooks.record(event(`wh-poison-good-${n}`));
    // Written by something other than this library, due before the others.
    await DynamoDBDocumentClient.from(own).send(
      new PutCommand({
        TableName: tables.webhookEvents,
        Item: {
          event_id: "wh-poison",
          account_id: "acct-w",
          endpoint_url: "https://example.test/hook",
          payload: "not json",
          status: "pending",
          attempt_count: 0,
          next_retry_at: 1,
          created_at: "2026-01-01T00:00:00.000Z",
        },
      }),
    );
    const due = await worker.webhooks.listDue();
    expect(due.items.map((item) => item.eventId).sort()).toEqual(["wh-poison-good-0", "wh-poison-good-1", "wh-poison-good-2"]);
    expect(due.malformed.map((entry) => [entry.eventId, entry.error.code, entry.error.message])).toEqual([
      ["wh-poison", "MALFORMED_RECORD", 'webhooks.listDue: stored item "wh-poison" cannot be read: payload: not JSON'],
    ]);
    const batch = await worker.webhooks.lease({ limit: 10 });
    expect(batch.leases.map((lease) => lease.eventId).sort()).toEqual(["wh-poison-good-0", "wh-poison-good-1", "wh-poison-good-2"]);
    const failed = batch.attempts.find((attempt) => attempt.eventId === "wh-poison");
    expect(failed?.outcome === "failed" && failed.error).toBeInstanceOf(MalformedRecordError);
    expect(failed?.outcome === "failed" && failed.error.message).toBe(
      'webhooks.lease: stored item "wh-poison" cannot be read: payload: not JSON',
    );
    // Nothing was written on it: still due, unleased.
    expect(await raw(tables.webhookEvents, { event_id: "wh-poison" }, own)).toEqual(
      expect.objectContaining({ next_retry_at: 1, attempt_count: 0 }),
    );
    expect(await raw(tables.webhookEvents, { event_id: "wh-poison" }, own)).not.toHaveProperty("lease_token");
  });
  test("GIVEN an event recorded at the record limit WHEN leased and failed with the longest error THEN it fits; a foreign item at 400 KB is skipped", async () => {
    const own = await freshClient("accessLibraryBigEvent");
    const worker = new OpsDataAccess(own, { tables });
    // What record() stores (next_retry_at and created_at have this run's width): filled to exactly 405,504 bytes.
    const stored = {
      event_id: "wh-big",
      account_id: "acct-w",
      endpoint_url: "https://example.test/hook",
      payload: '""',
      status: "pending",
      attempt_count: 0,
      next_retry_at: Math.floor(Date.now() / 1000),
      created_at: new Date().toISOString(),
    };
    const payload = "x".repeat(405_504 - itemBytes(stored));
    await expect(worker.webhooks.record({ ...event("wh-big"), payload: payload + "x" })).rejects.toThrow(ItemTooLargeError);
    expect(await worker.webhooks.record({ ...event("wh-big"), payload })).toEqual(expect.objectContaining({ outcome: "recorded" }));
    await worker.webhooks.record(event("wh-big-neighbour"));
    // Written by something else, just under DynamoDB's limit: leasing it cannot fit, the batch goes on.
    await DynamoDBDocumentClient.from(own).send(
      new PutCommand({
        TableName: tables.webhookEvents,
        Item: {
          event_id: "wh-big-foreign",
          account_id: "acct-w",
          endpoint_url: "https://example.test/hook",
          payload: JSON.stringify("y".repeat(409_400)),
          status: "pending",
          attempt_count: 0,
          next_retry_at: 1,
          created_at: "2026-01-01T00:00:00.000Z",
        },
      }),
    );
    const batch = await worker.webhooks.lease({ limit: 10 });
    expect(batch.leases.map((lease) => lease.eventId).sort()).toEqual(["wh-big", "wh-big-neighbour"]);
    const foreign = batch.attempts.find((attempt) => attempt.eventId === "wh-big-foreign");
    expect(foreign?.outcome === "failed" && [foreign.error.code, foreign.error.retryable]).toEqual(["ITEM_TOO_LARGE", false]);
    const big = batch.leases.find((lease) => lease.eventId === "wh-big")!;
    // 1,000 three-byte characters: the longest last_error kept.
    const failed = await worker.webhooks.recordFailure(big, { error: "€".repeat(5000) });
    expect(failed).toEqual(expect.objectContaining({ outcome: "retry_scheduled", attemptCount: 1 }));
    expect((await raw(tables.webhookEvents, { event_id: "wh-big" }, own))?.last_error).toBe("€".repeat(1000));
  });
});

describe("audit trail", () => {
  const at = (second: number) => new Date(Date.UTC(2026, 5, 1, 0, 0, second));
  const entry = (accountId: string, second: number) => ({
    accountId,
    actorId: "admin:paging",
    action: `action-${String(second).padStart(3, "0")}`,
    resourceType: "r",
    resourceId: "1",
    occurredAt: at(second),
    retentionSeconds: 5 * 365 * 24 * HOUR,
  });
  const range = { from: at(0), to: at(300) };

  test("GIVEN 25 entries WHEN listed 10 at a time THEN three pages with cursors, and the iterator yields all 25 in order", async () => {
    await Promise.all(Array.from({ length: 25 }, (_, n) => access.audit.append(entry("acct-pages", n))));
    const first = await access.audit.accountTrail("acct-pages", { ...range, limit: 10 });
    const second = await access.audit.accountTrail("acct-pages", { ...range, limit: 10, cursor: first.cursor });
    const third = await access.audit.accountTrail("acct-pages", { ...range, limit: 10, cursor: second.cursor });
    expect([first.items.length, second.items.length, third.items.length]).toEqual([10, 10, 5]);
    expect(third.cursor).toBeUndefined();
    expect([first.items[0].action, second.items[0].action, third.items[4].action]).toEqual(["action-000", "action-010", "action-024"]);
    const all: string[] = [];
    for await (const e of access.iterate((cursor) => access.audit.actorTrail("admin:paging", { ...range, limit: 10, cursor })))
      all.push(e.action);
    expect(all).toHaveLength(25);
    expect(all[24]).toBe("action-024");
    await expect(access.audit.accountTrail("acct-other", { ...range, cursor: first.cursor })).rejects.toThrow(
      "audit.accountTrail: cursor: issued for another account_id or another list; start again without a cursor",
    );
    await expect(access.audit.actorTrail("acct-pages", { ...range, cursor: first.cursor })).rejects.toThrow(ValidationError);
  });

  test("GIVEN a page of one range WHEN its cursor is presented with another from or to THEN ValidationError; with the same range THEN the next page", async () => {
    const accountId = "acct-audit-ranged";
    const t0 = Date.now() - 100_000;
    for (let n = 0; n < 6; n++) {
      await access.audit.append({
        accountId,
        actorId: "user:ranged",
        action: `a${n}`,
        resourceType: "r",
        resourceId: "1",
        occurredAt: new Date(t0 + n * 10_000),
        retentionSeconds: HOUR,
      });
    }
    const range = { from: new Date(t0 + 30_000), to: new Date(t0 + 50_000) };
    const first = await access.audit.accountTrail(accountId, { ...range, limit: 2 });
    expect(first.items.map((entry) => entry.action)).toEqual(["a3", "a4"]);
    const refused =
      "cursor: issued for another from/to range; pass the same from and to as for the first page, or start again without a cursor";
    await expect(access.audit.accountTrail(accountId, { from: new Date(t0), to: range.to, cursor: first.cursor })).rejects.toThrow(
      `audit.accountTrail: ${refused}`,
    );
    await expect(
      access.audit.accountTrail(accountId, { from: new Date(t0 - 90_000), to: new Date(t0 - 80_000), cursor: first.cursor }),
    ).rejects.toThrow(ValidationError);
    const actorFirst = await access.audit.actorTrail("user:ranged", { ...range, limit: 2 });
    await expect(
      access.audit.actorTrail("user:ranged", { ...range, to: new Date(t0 + 60_000), cursor: actorFirst.cursor }),
    ).rejects.toThrow(`audit.actorTrail: ${refused}`);
    expect((await access.audit.accountTrail(accountId, { ...range, cursor: first.cursor })).items.map((entry) => entry.action)).toEqual([
      "a5",
    ]);
  });

  test("GIVEN expired entries between live ones WHEN listed 3 at a time THEN DynamoDB's short pages are followed: full pages of live entries only", async () => {
    // Query's Limit counts items before the expiry filter, so a DynamoDB page can come back with
    // fewer live entries than asked; the library must keep reading, not return a short page.
    const appendAt = new Date();
    const live = (n: number) => ({
      ...entry("acct-expired", n),
      occurredAt: new Date(appendAt.getTime() + n * 1000),
      retentionSeconds: n % 2 === 0 ? 60 : HOUR,
    });
    await Promise.all(Array.from({ length: 12 }, (_, n) => access.audit.append(live(n))));
    const reader = later(120);
    const window = { from: appendAt, to: new Date(appendAt.getTime() + 20_000) };
    const first = await reader.audit.accountTrail("acct-expired", { ...window, limit: 3 });
    expect(first.items.map((e) => e.action)).toEqual(["action-001", "action-003", "action-005"]);
    expect(first.cursor).toBeDefined();
    const all: string[] = [];
    for await (const e of reader.iterate((cursor) => reader.audit.accountTrail("acct-expired", { ...window, limit: 3, cursor })))
      all.push(e.action);
    expect(all).toEqual(["action-001", "action-003", "action-005", "action-007", "action-009", "action-011"]);
  });

  test("GIVEN an entry id and time already appended WHEN appended again THEN already_recorded (same body) or conflict (another), the first unchanged", async () => {
    const first = await access.audit.append({ ...entry("acct-retry", 1), entryId: "req-7" });
    expect(first).toEqual({
      outcome: "appended",
      entry: expect.objectContaining({ entryId: "req-7", occurredAt: at(1), action: "action-001" }),
    });
    expect(await access.audit.append({ ...entry("acct-retry", 1), entryId: "req-7" })).toEqual({ outcome: "already_recorded" });
    expect(await access.audit.append({ ...entry("acct-retry", 1), entryId: "req-7", action: "rewritten" })).toEqual({
      outcome: "conflict",
      entry: expect.objectContaining({ entryId: "req-7", occurredAt: at(1), action: "action-001" }),
    });
    const trail = await access.audit.accountTrail("acct-retry", range);
    expect(trail.items.map((e) => [e.entryId, e.action])).toEqual([["req-7", "action-001"]]);
  });

  test("GIVEN details holding a Date WHEN appended THEN stored as their JSON form", async () => {
    const appended = await access.audit.append({
      ...entry("acct-details", 2),
      details: { when: new Date("2026-01-01T00:00:00Z"), gone: undefined },
    });
    expect(appended.outcome === "appended" && appended.entry.details).toEqual({ when: "2026-01-01T00:00:00.000Z" });
    expect((await access.audit.accountTrail("acct-details", range)).items[0].details).toEqual({ when: "2026-01-01T00:00:00.000Z" });
  });

  test("GIVEN bad entries and ranges WHEN appended or listed THEN ValidationError or ItemTooLargeError naming the field, nothing written", async () => {
    await expect(access.audit.append({ ...entry("acct-bad", 1), actorId: "", retentionSeconds: 0 })).rejects.toThrow(
      "audit.append: actorId: required, a non-empty string; retentionSeconds: a whole number of seconds from 1 to 315360000 (got 0)",
    );
    await expect(
      access.audit.append({ ...entry("acct-bad", 1), occurredAt: new Date("2020-01-01T00:00:00Z"), retentionSeconds: HOUR }),
    ).rejects.toThrow(
      "audit.append: retentionSeconds: the entry (occurredAt 2020-01-01T00:00:00.000Z) would already be past its retention",
    );
    await expect(access.audit.append({ ...entry("acct-bad", 2), details: { blob: "x".repeat(400 * 1024) } })).rejects.toThrow(
      ItemTooLargeError,
    );
    await expect(access.audit.accountTrail("acct-bad", { from: at(10), to: at(0) })).rejects.toThrow(
      "audit.accountTrail: from: after to (2026-06-01T00:00:10.000Z > 2026-06-01T00:00:00.000Z)",
    );
    expect((await access.audit.accountTrail("acct-bad", range)).items).toEqual([]);
  });
});

test("Powertools' idempotency utility works on idempotency_keys beside the library (prefix rule: its keyPrefix must not start with opsdata#)", async () => {
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
  // The library's key for the same words lives elsewhere: "opsdata#<account>#<service>#<key>".
  const ours = claimed(await access.idempotency.claim({ accountId: "orders-service", service: "s", key: "k", windowSeconds: HOUR }));
  expect(ours.idempotencyKey).toBe("opsdata#orders-service#s#k");
});

test("the repository example (examples/access-patterns.ts) runs as written against DynamoDB Local", () => {
  const result = spawnSync(process.execPath, ["scripts/run-ts.js", "examples/access-patterns.ts"], {
    cwd: sharedCheckout(),
    encoding: "utf8",
    env: { ...process.env, OPSDATA_ENDPOINT: dynamodb.endpoint, OPSDATA_TABLE_PREFIX: "opsdata_dev_", AWS_REGION: "eu-west-1" },
  });
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.stdout).toBe(
    'api key: valid\nfirst request: completed\nduplicate replays: {"statusCode":201,"orderId":"o-1"}\nwebhook: delivered\naudit entries: 1\n',
  );
  expect(result.status).toBe(0);
});
