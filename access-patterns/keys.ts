/**
 * Keys the library builds itself, never trusted raw from a caller, and the request fingerprint.
 */
import { createHash } from "node:crypto";
import { ValidationError } from "./errors";

/** Separates the account from the client's key in `idempotency_key` ("<account_id>#<client key>"). */
export const ACCOUNT_KEY_SEPARATOR = "#";
/**
 * DynamoDB's limit on a partition key value (2048 bytes). Source: Amazon DynamoDB Developer Guide,
 * "Quotas in Amazon DynamoDB", Partition key length.
 */
export const MAX_PARTITION_KEY_BYTES = 2048;

/**
 * `"<account_id>#<client key>"`: one account can neither block nor read another's key. An account id
 * containing "#" is refused, or "a#b" + "c" and "a" + "b#c" would be the same key.
 */
export function idempotencyKeyOf(accountId: string, clientKey: string): string {
  const problems: string[] = [];
  if (typeof accountId !== "string" || accountId.length === 0) problems.push("accountId: required");
  else if (accountId.includes(ACCOUNT_KEY_SEPARATOR))
    problems.push(`accountId: must not contain "${ACCOUNT_KEY_SEPARATOR}" ("${accountId}")`);
  if (typeof clientKey !== "string" || clientKey.length === 0) problems.push("key: required (the client's idempotency key)");
  if (problems.length > 0) throw new ValidationError("idempotency key", problems);
  const key = `${accountId}${ACCOUNT_KEY_SEPARATOR}${clientKey}`;
  if (Buffer.byteLength(key) > MAX_PARTITION_KEY_BYTES) {
    throw new ValidationError("idempotency key", [
      `key: "<account_id>#<key>" is over DynamoDB's ${MAX_PARTITION_KEY_BYTES}-byte key limit`,
    ]);
  }
  return key;
}

/** JSON with object keys sorted at every level, so `{a, b}` and `{b, a}` fingerprint the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/**
 * `sha256:<hex>` of the canonical JSON of the request parameters the caller passes (Powertools
 * stores an MD5 of the selected payload as `validation`; payment APIs compare the parameters).
 * No parameters fingerprint as `null`, so a later call with parameters is still a mismatch.
 */
export function requestFingerprint(parameters: unknown): string {
  return `sha256:${createHash("sha256")
    .update(canonicalJson(parameters ?? null))
    .digest("hex")}`;
}

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
