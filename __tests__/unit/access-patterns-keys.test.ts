/** Key building, fingerprints, cursors and item sizes of the access library: literal expectations. */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { idempotencyKeyOf, OpsDataAccess, requestFingerprint, tableNamesWithPrefix, ValidationError } from "../../access-patterns";
import { itemBytes } from "../../access-patterns/item-size";
import { decodeCursor, encodeCursor } from "../../access-patterns/paging";

test("GIVEN an account and a client key WHEN the idempotency key is built THEN it is <account_id>#<client key>", () => {
  expect(idempotencyKeyOf("acct-42", "req-1")).toBe("acct-42#req-1");
  expect(idempotencyKeyOf("acct-42", "a#b")).toBe("acct-42#a#b");
});

test("GIVEN an account id containing # WHEN the key is built THEN ValidationError (it could collide with another account)", () => {
  expect(() => idempotencyKeyOf("a#b", "c")).toThrow('idempotency key: accountId: must not contain "#" ("a#b")');
});

test("GIVEN empty parts WHEN the key is built THEN ValidationError naming both fields", () => {
  expect(() => idempotencyKeyOf("", "")).toThrow(
    new ValidationError("idempotency key", ["accountId: required", "key: required (the client's idempotency key)"]),
  );
});

test("GIVEN the same parameters in another key order WHEN fingerprinted THEN the same sha256", () => {
  expect(requestFingerprint({ b: 2, a: { d: 1, c: [1, 2] } })).toBe(requestFingerprint({ a: { c: [1, 2], d: 1 }, b: 2 }));
  expect(requestFingerprint(undefined)).toBe("sha256:74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b");
  expect(requestFingerprint({ amount: 100 })).not.toBe(requestFingerprint({ amount: 101 }));
});

test("GIVEN a cursor for one account WHEN presented for another THEN ValidationError; for the same THEN its key", () => {
  const cursor = encodeCursor(["account_id", "a"], { account_id: "a", occurred_at_id: "2026-01-01T00:00:00.000Z#x" });
  expect(decodeCursor(cursor, ["account_id", "a"])).toEqual({ account_id: "a", occurred_at_id: "2026-01-01T00:00:00.000Z#x" });
  expect(() => decodeCursor(cursor, ["account_id", "b"])).toThrow(
    "page: cursor: issued for another account_id or query; start again without a cursor",
  );
  expect(() => decodeCursor("not-a-cursor", ["account_id", "a"])).toThrow(/cursor: not a cursor returned by this library/);
});

test("GIVEN items WHEN sized THEN DynamoDB's rules: name + UTF-8 string, number digits/2 + 1, map 3 + 1 per element", () => {
  expect(itemBytes({ id: "abc" })).toBe(5);
  expect(itemBytes({ n: 12345 })).toBe(1 + 4);
  expect(itemBytes({ m: { a: "é" } })).toBe(1 + 3 + 1 + 1 + 2);
});

test("GIVEN the earlier call shapes with a raw key string WHEN completing or reading THEN ValidationError before any request", async () => {
  const neverCalled = { send: () => Promise.reject(new Error("no request expected")) } as unknown as DynamoDBDocumentClient;
  const access = new OpsDataAccess(neverCalled, tableNamesWithPrefix("opsdata_dev_"));
  const legacy = access as unknown as {
    completeIdempotencyKey(key: string, response: unknown): Promise<void>;
    getIdempotencyRecord(key: string): Promise<unknown>;
  };
  await expect(legacy.completeIdempotencyKey("acct#req-1", {})).rejects.toThrow(
    "completeIdempotencyKey: pass the claim returned by claimIdempotencyKey (its idempotencyKey and token); a bare key is refused",
  );
  await expect(legacy.getIdempotencyRecord("acct#req-1")).rejects.toThrow(
    "getIdempotencyRecord: pass { accountId, key }: the library builds the account's key itself",
  );
});
