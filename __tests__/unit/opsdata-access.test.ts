/**
 * @opsdata/access without DynamoDB: keys, fingerprints, cursors, item sizes, error typing and every
 * input check (each refused before any request is sent). Literal expectations.
 */
import { DynamoDBClient, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import {
  DynamoDbError,
  ItemTooLargeError,
  MAX_WEBHOOK_EVENT_BYTES,
  OpsDataAccess,
  ThrottledError,
  ValidationError,
  hashApiKey,
  idempotencyKeyOf,
  requestFingerprint,
  tableNamesWithPrefix,
  type IdempotencyClaim,
  type OpsDataAccessOptions,
  type WebhookLease,
} from "../../packages/opsdata-access/src";
import { Context } from "../../packages/opsdata-access/src/context";
import { TABLE_DEFINITIONS } from "../../tables";
import { apiKeys } from "../../tables/api-keys";
import { auditLogs } from "../../tables/audit-logs";
import { idempotencyKeys } from "../../tables/idempotency-keys";
import { webhookEvents } from "../../tables/webhook-events";
import { itemBytes } from "../../packages/opsdata-access/src/item-size";
import { jsonText } from "../../packages/opsdata-access/src/json-value";
import { decodeCursor, encodeCursor, type CursorScope } from "../../packages/opsdata-access/src/paging";

const tables = tableNamesWithPrefix("opsdata_dev_");
const NOW = new Date("2026-06-01T00:00:00.000Z");

/** A real client whose every request fails the test: input checks must refuse before sending. */
function neverCalled(): DynamoDBClient {
  const client = new DynamoDBClient({
    region: "eu-west-1",
    endpoint: "http://127.0.0.1:9",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  client.middlewareStack.add(
    () => () => {
      throw new Error("no request expected");
    },
    { step: "initialize" },
  );
  return client;
}
const access = (options: Partial<OpsDataAccessOptions> = {}) => new OpsDataAccess(neverCalled(), { tables, clock: () => NOW, ...options });

describe("keys and fingerprints", () => {
  test("GIVEN an account, a service and a client key WHEN the idempotency key is built THEN opsdata#<account>#<service>#<key>", () => {
    expect(idempotencyKeyOf({ accountId: "acct-42", service: "payments", key: "req-1" })).toBe("opsdata#acct-42#payments#req-1");
    expect(idempotencyKeyOf({ accountId: "acct-42", service: "payments", key: "a#b" })).toBe("opsdata#acct-42#payments#a#b");
  });

  test("GIVEN # in the account or service, or empty parts WHEN the key is built THEN ValidationError naming each field", () => {
    expect(() => idempotencyKeyOf({ accountId: "a#b", service: "s#t", key: "" })).toThrow(
      new ValidationError("idempotency key", [
        'accountId: must not contain "#" (got "a#b")',
        'service: must not contain "#" (got "s#t")',
        "key: required, a non-empty string",
      ]),
    );
  });

  test("GIVEN the same parameters in another key order WHEN fingerprinted THEN the same sha256", () => {
    expect(requestFingerprint({ b: 2, a: { d: 1, c: [1, 2] } })).toBe(requestFingerprint({ a: { c: [1, 2], d: 1 }, b: 2 }));
    expect(requestFingerprint({ amount: 100, note: undefined })).toBe(requestFingerprint({ amount: 100 }));
    expect(requestFingerprint(undefined)).toBe("sha256:74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b");
    expect(requestFingerprint({ amount: 100 })).not.toBe(requestFingerprint({ amount: 101 }));
  });

  test("GIVEN parameters JSON would change (NaN, Infinity, bigint, Date, Map, undefined in a list) WHEN fingerprinted THEN ValidationError, no merged fingerprint", () => {
    expect(() => requestFingerprint({ amount: NaN })).toThrow("requestFingerprint: request.amount: NaN is not JSON; send null or a string");
    expect(() => requestFingerprint({ amount: -Infinity, n: [1, Infinity] })).toThrow(
      "requestFingerprint: request.amount: -Infinity is not JSON; send null or a string; request.n[1]: Infinity is not JSON; send null or a string",
    );
    expect(() => requestFingerprint({ amount: BigInt(100) })).toThrow(
      "requestFingerprint: request.amount: a bigint is not JSON; send it as a string or a number",
    );
    expect(() => requestFingerprint({ when: new Date(0) })).toThrow(
      "requestFingerprint: request.when: a Date is not plain JSON; send its toISOString()",
    );
    expect(() => requestFingerprint(new Map([["a", 1]]))).toThrow("requestFingerprint: request: a Map is not plain JSON");
    expect(() => requestFingerprint([undefined])).toThrow("requestFingerprint: request[0]: undefined is not JSON");
    expect(() => requestFingerprint({ f: () => 1 })).toThrow("requestFingerprint: request.f: a function is not JSON");
    expect(requestFingerprint(null)).toBe("sha256:74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b");
  });

  test("GIVEN a claim whose request holds NaN or a bigint WHEN claimed THEN ValidationError before any request", async () => {
    await expect(
      access().idempotency.claim({ accountId: "a", service: "s", key: "k", windowSeconds: 3600, request: { amount: NaN, big: BigInt(1) } }),
    ).rejects.toThrow(
      "idempotency.claim: request.amount: NaN is not JSON; send null or a string; request.big: a bigint is not JSON; send it as a string or a number",
    );
  });

  test("GIVEN a raw API key WHEN hashed THEN its SHA-256 in lowercase hex", () => {
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("GIVEN values to store WHEN normalised THEN their JSON form; a cycle is a ValidationError", () => {
    expect(jsonText("op", "response", { at: new Date("2026-01-01T00:00:00Z"), gone: undefined, big: BigInt(2) ** BigInt(64) })).toBe(
      '{"at":"2026-01-01T00:00:00.000Z","big":"18446744073709551616"}',
    );
    expect(jsonText("op", "response", undefined)).toBe("null");
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => jsonText("op", "response", cycle)).toThrow(/^op: response: not representable as JSON/);
  });

  test("GIVEN items WHEN sized THEN DynamoDB's rules: name + UTF-8 string, number digits/2 + 1, map 3 + 1 per element", () => {
    expect(itemBytes({ id: "abc" })).toBe(5);
    expect(itemBytes({ n: 12345 })).toBe(1 + 4);
    expect(itemBytes({ m: { a: "é" } })).toBe(1 + 3 + 1 + 1 + 2);
  });

  test("GIVEN a prefix with a space WHEN table names are built THEN ValidationError", () => {
    expect(tableNamesWithPrefix("opsdata_prod_")).toEqual({
      apiKeys: "opsdata_prod_api_keys",
      idempotencyKeys: "opsdata_prod_idempotency_keys",
      webhookEvents: "opsdata_prod_webhook_events",
      auditLogs: "opsdata_prod_audit_logs",
    });
    expect(() => tableNamesWithPrefix("bad prefix")).toThrow(
      'tableNamesWithPrefix: prefix: letters, digits, "_", "-" or "." (got "bad prefix")',
    );
  });
});

describe("cursors", () => {
  const scope: CursorScope = {
    operation: "audit.accountTrail",
    partition: ["account_id", "a"],
    keyAttributes: ["account_id", "occurred_at_id"],
  };
  const key = { account_id: "a", occurred_at_id: "2026-01-01T00:00:00.000Z#x" };

  test("GIVEN a cursor for one account WHEN presented for the same THEN its key; for another account or list THEN ValidationError", () => {
    const cursor = encodeCursor(scope, key);
    expect(decodeCursor(cursor, scope)).toEqual(key);
    const refused = "cursor: issued for another account_id or another list; start again without a cursor";
    expect(() => decodeCursor(cursor, { ...scope, partition: ["account_id", "b"] })).toThrow(`audit.accountTrail: ${refused}`);
    expect(() => decodeCursor(cursor, { ...scope, operation: "audit.actorTrail" })).toThrow(`audit.actorTrail: ${refused}`);
  });

  test("GIVEN a cursor for one from/to range WHEN presented for the same range THEN its key; for another range or none THEN ValidationError", () => {
    const ranged: CursorScope = { ...scope, range: ["2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z#\uffff"] };
    const cursor = encodeCursor(ranged, key);
    expect(decodeCursor(cursor, ranged)).toEqual(key);
    const refused =
      "audit.accountTrail: cursor: issued for another from/to range; pass the same from and to as for the first page, or start again without a cursor";
    expect(() => decodeCursor(cursor, { ...ranged, range: ["2025-12-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z#\uffff"] })).toThrow(
      refused,
    );
    expect(() => decodeCursor(cursor, scope)).toThrow(refused);
    expect(() => decodeCursor(encodeCursor(scope, key), ranged)).toThrow(refused);
  });

  test("GIVEN a cursor whose key has other attributes, or garbage WHEN decoded THEN ValidationError before DynamoDB sees it", () => {
    expect(() => decodeCursor(encodeCursor(scope, { ...key, actor_id: "x" }), scope)).toThrow(ValidationError);
    expect(() => decodeCursor(encodeCursor(scope, { account_id: "a" }), scope)).toThrow(ValidationError);
    const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString("base64url");
    const refused = "audit.accountTrail: cursor: issued for another account_id or another list; start again without a cursor";
    for (const k of [null, [], 7, "x"]) {
      expect(() => decodeCursor(forged({ o: scope.operation, p: scope.partition, k }), scope)).toThrow(refused);
    }
    expect(() => decodeCursor(forged(null), scope)).toThrow(refused);
    expect(() => decodeCursor("not-a-cursor", scope)).toThrow(
      "audit.accountTrail: cursor: not a cursor returned by this library; pass the `cursor` of the previous page",
    );
  });
});

describe("SDK errors leave typed, with the SDK error as cause", () => {
  const context = new Context(neverCalled(), tables);
  const sdkError = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name, ...extra });

  test.each([
    ["ProvisionedThroughputExceededException", {}],
    ["ThrottlingException", {}],
    ["RequestLimitExceeded", {}],
    ["SomethingNew", { $retryable: { throttling: true } }],
  ])("GIVEN %s WHEN typed THEN ThrottledError, retryable", (name, extra) => {
    const cause = sdkError(name, "slow down", extra);
    const typed = context.typed("webhooks.lease", cause);
    expect(typed).toBeInstanceOf(ThrottledError);
    expect(typed).toEqual(expect.objectContaining({ code: "THROTTLED", retryable: true, operation: "webhooks.lease", cause }));
    expect(typed.message).toBe(`webhooks.lease: DynamoDB throttled the request (${name}); retry after a backoff`);
  });

  test("GIVEN the SDK's own exception class WHEN typed THEN ThrottledError", () => {
    const cause = new ProvisionedThroughputExceededException({ message: "x", $metadata: {} });
    expect(context.typed("op", cause)).toBeInstanceOf(ThrottledError);
  });

  test("GIVEN DynamoDB's item size refusal WHEN typed THEN ItemTooLargeError", () => {
    expect(context.typed("op", sdkError("ValidationException", "Item size has exceeded the maximum allowed size"))).toBeInstanceOf(
      ItemTooLargeError,
    );
  });

  test("GIVEN other errors WHEN typed THEN DynamoDbError: 5xx and connection failures retryable, 4xx not", () => {
    const server = context.typed("op", sdkError("InternalServerError", "boom", { $metadata: { httpStatusCode: 500 } }));
    expect(server).toEqual(expect.objectContaining({ code: "DYNAMODB", retryable: true, awsErrorName: "InternalServerError" }));
    expect(server).toBeInstanceOf(DynamoDbError);
    expect(server.message).toBe("op: DynamoDB request failed: InternalServerError: boom");
    expect(context.typed("op", sdkError("ValidationException", "bad key", { $metadata: { httpStatusCode: 400 } }))).toEqual(
      expect.objectContaining({ retryable: false }),
    );
    expect(context.typed("op", Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toEqual(
      expect.objectContaining({ retryable: true }),
    );
  });
});

describe("input checks: refused before any request", () => {
  const claim: IdempotencyClaim = {
    idempotencyKey: "opsdata#a#s#k",
    token: "t",
    leaseExpiresAt: new Date(NOW.getTime() + 60_000),
    leaseSeconds: 60,
    windowEndsAt: new Date(NOW.getTime() + 3_600_000),
  };
  const lease: WebhookLease = {
    eventId: "e1",
    token: "t",
    leaseExpiresAt: new Date(NOW.getTime() + 60_000),
    event: {
      eventId: "e1",
      accountId: "a",
      endpointUrl: "https://x.test",
      payload: null,
      status: "pending",
      attemptCount: 0,
      createdAt: NOW,
    },
  };

  test.each([
    ["", "apiKeys.validate: apiKeyHash: the SHA-256 of the key as 64 lowercase hex digits (hashApiKey(rawKey)); never the raw key"],
    ["a".repeat(4096), "apiKeys.validate: apiKeyHash: the SHA-256"],
    ["A".repeat(64), "apiKeys.validate: apiKeyHash: the SHA-256"],
  ])("GIVEN the key hash %j WHEN validated THEN ValidationError", async (hash, message) => {
    await expect(access().apiKeys.validate(hash)).rejects.toThrow(message);
  });

  test("GIVEN bad key creations and disables WHEN made THEN ValidationError naming each field", async () => {
    await expect(
      access().apiKeys.create({ apiKeyHash: hashApiKey("k"), accountId: "", expiresAt: new Date("2020-01-01T00:00:00Z") }),
    ).rejects.toThrow(
      "apiKeys.create: accountId: required, a non-empty string; expiresAt: in the past (2020-01-01T00:00:00.000Z); a key must be valid when created",
    );
    await expect(access().apiKeys.disable(hashApiKey("k"), { retentionSeconds: 0 })).rejects.toThrow(
      "apiKeys.disable: retentionSeconds: a whole number of seconds from 1 to 315360000 (got 0)",
    );
  });

  test("GIVEN bad claims WHEN made THEN ValidationError naming the field", async () => {
    const request = { accountId: "a", service: "s", key: "k", windowSeconds: 3600 };
    await expect(access().idempotency.claim({ ...request, windowSeconds: 0 })).rejects.toThrow(
      "idempotency.claim: windowSeconds: a whole number of seconds from 1 to 315360000 (got 0); leaseSeconds:",
    );
    await expect(access().idempotency.claim({ ...request, leaseSeconds: -1 })).rejects.toThrow(
      "idempotency.claim: leaseSeconds: a whole number from 1 to windowSeconds minus the tolerated clock skew (3600 - 120) (got -1)",
    );
    await expect(access().idempotency.claim({ ...request, windowSeconds: 120 })).rejects.toThrow(/\(120 - 120\) \(got 60\)/);
    await expect(access().idempotency.claim({ ...request, service: "" })).rejects.toThrow(
      "idempotency key: service: required, a non-empty string",
    );
  });

  test("GIVEN a bare key or a claim whose lease ended by this clock WHEN completing THEN ValidationError, or lease_expired without a request", async () => {
    const bare = "opsdata#a#s#k" as unknown as IdempotencyClaim;
    await expect(access().idempotency.complete(bare, {})).rejects.toThrow(
      "idempotency.complete: claim: pass the `claim` of a claimed result (idempotency.claim)",
    );
    const lapsed = access({ clock: () => new Date(NOW.getTime() + 60_000) });
    expect(await lapsed.idempotency.complete(claim, {})).toEqual({ outcome: "lease_expired" });
    expect(await lapsed.idempotency.renew(claim)).toEqual({ outcome: "lease_expired" });
    expect(await lapsed.idempotency.release(claim)).toEqual({ outcome: "lease_expired" });
  });

  test("GIVEN ids holding a lone surrogate WHEN used THEN ValidationError naming the field (stored, they would become U+FFFD and collide)", async () => {
    const problem = "not well-formed Unicode (a lone surrogate, e.g. half of an emoji); pass a well-formed string";
    await expect(access().idempotency.claim({ accountId: "acct-1\ud800", service: "s", key: "k", windowSeconds: 3600 })).rejects.toThrow(
      `idempotency key: accountId: ${problem}`,
    );
    expect(() => idempotencyKeyOf({ accountId: "a", service: "s\udc00", key: "k\ud800" })).toThrow(
      `idempotency key: service: ${problem}; key: ${problem}`,
    );
    await expect(
      access().webhooks.record({ eventId: "e\ud83d", accountId: "a", endpointUrl: "https://x.test", payload: 1 }),
    ).rejects.toThrow(`webhooks.record: eventId: ${problem}`);
    await expect(access().webhookOperator.requeueDead("\ude00")).rejects.toThrow(`webhookOperator.requeueDead: eventId: ${problem}`);
    await expect(
      access().audit.append({
        accountId: "a",
        actorId: "u\ud800",
        action: "x",
        resourceType: "r",
        resourceId: "1",
        entryId: "\ud800-1",
        retentionSeconds: 60,
      }),
    ).rejects.toThrow(`audit.append: actorId: ${problem}; entryId: ${problem}`);
    await expect(access().audit.accountTrail("a\ud800", { from: NOW, to: NOW })).rejects.toThrow(
      `audit.accountTrail: accountId: ${problem}`,
    );
    await expect(access().apiKeys.listForAccount("a\ud800")).rejects.toThrow(`apiKeys.listForAccount: accountId: ${problem}`);
    // A well-formed emoji is an ordinary id.
    expect(idempotencyKeyOf({ accountId: "a\u{1F600}", service: "s", key: "k" })).toBe("opsdata#a\u{1F600}#s#k");
  });

  test("GIVEN an event over 400 KB less 4 KB WHEN recorded THEN ItemTooLargeError before any request", async () => {
    expect(MAX_WEBHOOK_EVENT_BYTES).toBe(405_504);
    const recording = access().webhooks.record({
      eventId: "e1",
      accountId: "a",
      endpointUrl: "https://x.test",
      payload: "x".repeat(405_504),
    });
    await expect(recording).rejects.toThrow(ItemTooLargeError);
    await expect(recording).rejects.toThrow(
      /^webhooks\.record: the item would be about 405\d{3} bytes with its payload; the limit is 405504 bytes\./,
    );
  });

  test("GIVEN bad webhook calls WHEN made THEN ValidationError naming the field", async () => {
    await expect(access().webhooks.record({ eventId: "", accountId: "a", endpointUrl: "ftp://x", payload: {} })).rejects.toThrow(
      "webhooks.record: eventId: required, a non-empty string; endpointUrl: an http(s) URL",
    );
    await expect(access().webhooks.lease({ limit: 0 })).rejects.toThrow(
      "webhooks.lease: limit: a whole number of events from 1 to 1000 (got 0)",
    );
    await expect(access().webhooks.renew(lease, { leaseSeconds: 0 })).rejects.toThrow(
      "webhooks.renew: leaseSeconds: a whole number of seconds from 1 to 86400 (got 0)",
    );
    const inMilliseconds = new Date(NOW.getTime() * 1000);
    await expect(access().webhooks.recordFailure(lease, { error: "x", retryAt: inMilliseconds })).rejects.toThrow(
      `webhooks.recordFailure: retryAt: between now and 30 days ahead (got ${inMilliseconds.toISOString()}); pass a Date, e.g. new Date(Date.now() + 60_000)`,
    );
    await expect(access().webhooks.recordFailure(lease, { error: "" })).rejects.toThrow(
      "webhooks.recordFailure: error: required, a non-empty string",
    );
    await expect(access().webhookOperator.requeueDead("")).rejects.toThrow(
      "webhookOperator.requeueDead: eventId: required, a non-empty string",
    );
    const lapsed = access({ clock: () => new Date(NOW.getTime() + 60_000) });
    expect(await lapsed.webhooks.markDelivered(lease, { retentionSeconds: 60 })).toEqual({ outcome: "lease_expired" });
    expect(await lapsed.webhooks.recordFailure(lease, { error: "x" })).toEqual({ outcome: "lease_expired" });
    expect(await lapsed.webhooks.release(lease)).toEqual({ outcome: "lease_expired" });
  });

  test("GIVEN bad audit entries and ranges WHEN made THEN ValidationError naming each field", async () => {
    const entry = { accountId: "a", actorId: "u", action: "x", resourceType: "r", resourceId: "1", retentionSeconds: 3600 };
    await expect(access().audit.append({ ...entry, occurredAt: new Date(NOW.getTime() + 3_600_000) })).rejects.toThrow(
      "audit.append: occurredAt: in the future (2026-06-01T01:00:00.000Z)",
    );
    await expect(access().audit.append({ ...entry, occurredAt: new Date(NOW.getTime() - 3_600_000) })).rejects.toThrow(
      "audit.append: retentionSeconds: the entry (occurredAt 2026-05-31T23:00:00.000Z) would already be past its retention",
    );
    await expect(access().audit.append({ ...entry, details: [1] as unknown as Record<string, unknown> })).rejects.toThrow(
      "audit.append: details: a JSON object",
    );
    await expect(access().audit.append({ ...entry, details: { n: 2 ** 60 } })).rejects.toThrow(
      "audit.append: details: has an integer beyond 2^53; send it as a string",
    );
    await expect(access().audit.accountTrail("a", { from: new Date("x"), to: NOW })).rejects.toThrow(
      "audit.accountTrail: from: a valid Date (got Invalid Date)",
    );
    await expect(access().audit.actorTrail("u", { from: NOW, to: NOW, limit: 1001 })).rejects.toThrow(
      "audit.actorTrail: limit: a whole number from 1 to 1000 (got 1001)",
    );
  });

  test("GIVEN bad options WHEN the library is built THEN ValidationError naming the option", () => {
    expect(() => access({ clockSkewToleranceSeconds: -1 })).toThrow(
      "OpsDataAccess options: clockSkewToleranceSeconds: a whole number of seconds from 0 to 3600 (got -1)",
    );
    expect(() => new OpsDataAccess(neverCalled(), { tables: { ...tables, auditLogs: "" } })).toThrow(
      "OpsDataAccess options: tables.auditLogs: required",
    );
  });
});

test("GIVEN the table contract WHEN the library reads and writes THEN the TTL and projected attributes it uses are those of tables/", () => {
  // The library writes `expires_at` and reads these projections (what listForAccount and actorTrail return):
  // renaming one in tables/ must come with the library's change.
  expect(TABLE_DEFINITIONS.map((table) => table.timeToLiveAttribute)).toEqual(["expires_at", "expires_at", "expires_at", "expires_at"]);
  expect(idempotencyKeys.globalIndexes[0].projection).toEqual({ type: "INCLUDE", nonKeyAttributes: ["status", "service", "expires_at"] });
  expect(auditLogs.globalIndexes[0].projection).toEqual({
    type: "INCLUDE",
    nonKeyAttributes: ["action", "resource_type", "resource_id", "expires_at"],
  });
  expect([apiKeys.globalIndexes[0].projection, webhookEvents.globalIndexes[0].projection]).toEqual([{ type: "ALL" }, { type: "ALL" }]);
});
