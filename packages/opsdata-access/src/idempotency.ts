/**
 * idempotency_keys: claim a request's key, renew the claim, complete it with the response to
 * replay, or release it.
 *
 * Anchors (read, then improved on):
 * - Powertools for AWS Lambda (TypeScript) 2.35.0, DynamoDBPersistenceLayer
 *   (aws-powertools/powertools-lambda-typescript, packages/idempotency/src/persistence/): a
 *   conditional PutItem that succeeds when the key is absent, expired, or in progress with a lapsed
 *   `in_progress_expiration`, ReturnValuesOnConditionCheckFailure=ALL_OLD to see the existing
 *   record. Its completion is an unconditional UpdateItem (any caller can complete any key) and a
 *   lapsed record can be taken over by a request with another payload.
 * - Stripe, "Idempotent requests" (https://docs.stripe.com/idempotency): the first result is saved
 *   and replayed for the same key; a reuse with other parameters is an error.
 * Here: the key is built by the library from the account, the service and the client's key; the
 * claim carries a token and only that token renews, completes or releases it; a lapsed claim is
 * taken over only by the same request (same fingerprint), and only after the tolerated clock skew.
 */
import { createHash, randomUUID } from "node:crypto";
import { Checks, MAX_PARTITION_KEY_BYTES, MAX_RETENTION_SECONDS, assertObject } from "./checks";
import type { Context } from "./context";
import { assertItemFits } from "./item-size";
import { ValidationError } from "./errors";
import { jsonText, plainJsonProblems, sortedJson } from "./json-value";
import { leaseEnded, type LeaseRefusal } from "./lease";
import { pageOptions, type Page, type PageOptions } from "./paging";
import { INDEXES, TABLES, indexKeyAttributes } from "./tables";
import { fromEpochSeconds } from "./time";

/**
 * Every key the library writes starts with this. Powertools' idempotency utility may share the
 * table as long as its keyPrefix does not start with "opsdata#" (its keys are "<keyPrefix>#<hash>",
 * and its default prefix, the Lambda function's name, cannot contain "#").
 */
export const IDEMPOTENCY_KEY_NAMESPACE = "opsdata";
/** @default lease when none is given */
export const DEFAULT_CLAIM_LEASE_SECONDS = 60;

/** `"opsdata#<accountId>#<service>#<key>"`: accounts and services never see or block each other's keys. */
export function idempotencyKeyOf(scope: { readonly accountId: string; readonly service: string; readonly key: string }): string {
  const checks = new Checks("idempotency key");
  checks.text("accountId", scope?.accountId, { noHash: true });
  checks.text("service", scope?.service, { noHash: true });
  checks.text("key", scope?.key, { maxBytes: 1024 });
  checks.throwIfAny();
  const key = `${IDEMPOTENCY_KEY_NAMESPACE}#${scope.accountId}#${scope.service}#${scope.key}`;
  if (Buffer.byteLength(key) > MAX_PARTITION_KEY_BYTES)
    checks.add(`key: the stored key is over DynamoDB's ${MAX_PARTITION_KEY_BYTES}-byte limit`);
  checks.throwIfAny();
  return key;
}

/**
 * JSON with object keys sorted at every level, so `{a, b}` and `{b, a}` fingerprint the same. Only
 * plain JSON is accepted (plainJsonProblems): a value JSON would change is a ValidationError.
 */
export function canonicalJson(value: unknown, operation = "requestFingerprint"): string {
  const problems = plainJsonProblems("request", value);
  if (problems.length > 0) throw new ValidationError(operation, problems);
  return sortedJson(value);
}

/** `sha256:<hex>` of the canonical JSON of the request parameters (none: `null`). */
export function requestFingerprint(parameters: unknown, operation = "requestFingerprint"): string {
  return `sha256:${createHash("sha256")
    .update(canonicalJson(parameters ?? null, operation))
    .digest("hex")}`;
}

export interface IdempotencyClaimRequest {
  readonly accountId: string;
  /** The service handling the request: part of the key, so services never replay each other's responses. */
  readonly service: string;
  /** The client's idempotency key (e.g. the `Idempotency-Key` header). */
  readonly key: string;
  /** How long duplicates are recognised (the record's TTL). */
  readonly windowSeconds: number;
  /** The request's parameters (any JSON value); another request under the same key is `payload_mismatch`. @default null */
  readonly request?: unknown;
  /**
   * How long the claim is held while in progress; renew() extends it. After it (plus the tolerated
   * clock skew) the same request may take the key over. `leaseSeconds + skew <= windowSeconds`.
   * @default 60
   */
  readonly leaseSeconds?: number;
}

/** Proof of a claim: pass it to renew, complete or release. */
export interface IdempotencyClaim {
  readonly idempotencyKey: string;
  readonly token: string;
  /** The holder must not act on the claim from this instant (by its own clock) unless it renewed. */
  readonly leaseExpiresAt: Date;
  readonly leaseSeconds: number;
  /** End of the idempotency window; a claim cannot be renewed past it (minus the tolerated skew). */
  readonly windowEndsAt: Date;
}

export type IdempotencyClaimResult =
  | { readonly outcome: "claimed"; readonly claim: IdempotencyClaim }
  /** A duplicate of a completed request: replay `response`. */
  | { readonly outcome: "completed"; readonly response: unknown; readonly completedAt: Date }
  /** Another caller holds the claim; retry after `retryAfter` (when it lapses unless renewed). */
  | { readonly outcome: "in_progress"; readonly retryAfter: Date }
  /** The key was used with other request parameters: answer with an error, never with the stored response. */
  | { readonly outcome: "payload_mismatch" };

export type IdempotencyCompletion = { readonly outcome: "completed" } | LeaseRefusal;
export type IdempotencyRenewal = { readonly outcome: "renewed"; readonly claim: IdempotencyClaim } | LeaseRefusal;
export type IdempotencyRelease = { readonly outcome: "released" } | LeaseRefusal;

export interface IdempotencyRecord {
  readonly accountId: string;
  readonly service: string;
  readonly key: string;
  readonly status: "in_progress" | "completed";
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly leaseExpiresAt?: Date;
  readonly completedAt?: Date;
  /** The stored response (its JSON form) when completed. */
  readonly response?: unknown;
}

export type IdempotencyLookup = { readonly outcome: "found"; readonly record: IdempotencyRecord } | { readonly outcome: "not_found" };

/** What the account index projects (keys, status, service, expires_at): no response, no lease. */
export type IdempotencyRequestSummary = Pick<IdempotencyRecord, "accountId" | "service" | "key" | "status" | "createdAt" | "expiresAt">;

const KEY = TABLES.idempotencyKeys.partitionKey.name;

function parseKey(idempotencyKey: string): { accountId: string; service: string; key: string } {
  const [, accountId, service, ...key] = idempotencyKey.split("#");
  return { accountId, service, key: key.join("#") };
}

function toSummary(item: Record<string, unknown>): IdempotencyRequestSummary {
  const { accountId, service, key } = parseKey(item[KEY] as string);
  return {
    accountId,
    service,
    key,
    status: item.status as IdempotencyRecord["status"],
    createdAt: new Date(item.created_at as string),
    expiresAt: fromEpochSeconds(item.expires_at as number),
  };
}

function toRecord(item: Record<string, unknown>): IdempotencyRecord {
  return {
    ...toSummary(item),
    ...(typeof item.lease_expires_at === "number" ? { leaseExpiresAt: fromEpochSeconds(item.lease_expires_at) } : {}),
    ...(typeof item.completed_at === "string" ? { completedAt: new Date(item.completed_at) } : {}),
    ...(typeof item.response === "string" ? { response: JSON.parse(item.response) as unknown } : {}),
  };
}

export class Idempotency {
  constructor(private readonly context: Context) {}

  /**
   * One conditional PutItem: claims the key when it is free, past its window, or in progress with a
   * lapsed lease of the same request; otherwise says why (from the failed write itself, no read).
   */
  async claim(request: IdempotencyClaimRequest): Promise<IdempotencyClaimResult> {
    assertObject("idempotency.claim", "request", request);
    const leaseSeconds = this.checkClaim(request);
    const idempotencyKey = idempotencyKeyOf(request);
    const now = this.context.now();
    const fingerprint = requestFingerprint(request.request, "idempotency.claim");
    const token = randomUUID();
    const item = {
      [KEY]: idempotencyKey,
      account_id: request.accountId,
      service: request.service,
      status: "in_progress",
      created_at: this.context.clock().toISOString(),
      expires_at: now + request.windowSeconds,
      fingerprint,
      lease_token: token,
      lease_expires_at: now + leaseSeconds,
    };
    const result = await this.context.conditional("idempotency.claim", {
      put: {
        TableName: this.context.tables.idempotencyKeys,
        Item: item,
        // ":lapsed" is now minus the tolerated skew: a claim is taken over only once it has lapsed by every caller's clock.
        ConditionExpression:
          `attribute_not_exists(${KEY}) OR expires_at <= :lapsed OR ` +
          "(#status = :in_progress AND lease_expires_at <= :lapsed AND fingerprint = :fingerprint)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":lapsed": now - this.context.skewSeconds,
          ":in_progress": "in_progress",
          ":fingerprint": fingerprint,
        },
      },
    });
    if (result.ok) {
      return {
        outcome: "claimed",
        claim: {
          idempotencyKey,
          token,
          leaseExpiresAt: fromEpochSeconds(item.lease_expires_at),
          leaseSeconds,
          windowEndsAt: fromEpochSeconds(item.expires_at),
        },
      };
    }
    // The condition failed, so the item existed when DynamoDB evaluated it (ALL_OLD returns it);
    // absent only if it was deleted in between: the caller may simply claim again.
    const current = result.current;
    if (!current) return { outcome: "in_progress", retryAfter: this.context.clock() };
    if (current.fingerprint !== fingerprint) return { outcome: "payload_mismatch" };
    if (current.status === "completed") {
      return {
        outcome: "completed",
        response: JSON.parse(current.response as string),
        completedAt: new Date(current.completed_at as string),
      };
    }
    return { outcome: "in_progress", retryAfter: fromEpochSeconds((current.lease_expires_at as number) + this.context.skewSeconds) };
  }

  /**
   * Extends the claim to `leaseSeconds` from now (default: its lease length), but not past the
   * window's end minus the tolerated skew. Call it while the work runs longer than the lease.
   */
  async renew(claim: IdempotencyClaim, options: { readonly leaseSeconds?: number } = {}): Promise<IdempotencyRenewal> {
    this.checkHolder("idempotency.renew", claim);
    const leaseSeconds = options.leaseSeconds ?? claim.leaseSeconds;
    new Checks("idempotency.renew").wholeNumber("leaseSeconds", leaseSeconds, 1, MAX_RETENTION_SECONDS).throwIfAny();
    const now = this.context.now();
    if (leaseEnded(now, claim.leaseExpiresAt)) return { outcome: "lease_expired" };
    const until = Math.min(now + leaseSeconds, claim.windowEndsAt.getTime() / 1000 - this.context.skewSeconds);
    const result = await this.holderWrite("idempotency.renew", claim, {
      UpdateExpression: "SET lease_expires_at = :until",
      ExpressionAttributeValues: { ":until": until },
    });
    return result.ok ? { outcome: "renewed", claim: { ...claim, leaseExpiresAt: fromEpochSeconds(until) } } : { outcome: "lease_lost" };
  }

  /**
   * in_progress -> completed with the response to replay (stored as its JSON form, so it never
   * fails to store). Refused without a request when the lease has expired by this caller's clock.
   */
  async complete(claim: IdempotencyClaim, response: unknown): Promise<IdempotencyCompletion> {
    this.checkHolder("idempotency.complete", claim);
    const stored = jsonText("idempotency.complete", "response", response);
    const completedAt = this.context.clock().toISOString();
    // The largest the record can be: its fixed attributes plus the response.
    assertItemFits("idempotency.complete", "response", {
      [KEY]: claim.idempotencyKey,
      account_id: claim.idempotencyKey,
      service: "",
      status: "in_progress",
      created_at: completedAt,
      expires_at: 0,
      fingerprint: requestFingerprint(null),
      completed_at: completedAt,
      lease_expires_at: 0,
      response: stored,
    });
    if (leaseEnded(this.context.now(), claim.leaseExpiresAt)) return { outcome: "lease_expired" };
    const result = await this.holderWrite("idempotency.complete", claim, {
      UpdateExpression:
        "SET #status = :completed, #response = :response, completed_at = :completed_at REMOVE lease_token, lease_expires_at",
      ExpressionAttributeNames: { "#response": "response" },
      ExpressionAttributeValues: { ":completed": "completed", ":response": stored, ":completed_at": completedAt },
    });
    return result.ok ? { outcome: "completed" } : { outcome: "lease_lost" };
  }

  /** Gives the key up (the request failed and may be retried at once): a conditional DeleteItem. */
  async release(claim: IdempotencyClaim): Promise<IdempotencyRelease> {
    this.checkHolder("idempotency.release", claim);
    if (leaseEnded(this.context.now(), claim.leaseExpiresAt)) return { outcome: "lease_expired" };
    const result = await this.context.conditional("idempotency.release", {
      delete: {
        TableName: this.context.tables.idempotencyKeys,
        Key: { [KEY]: claim.idempotencyKey },
        ConditionExpression: "#status = :in_progress AND lease_token = :token",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":in_progress": "in_progress", ":token": claim.token },
      },
    });
    return result.ok ? { outcome: "released" } : { outcome: "lease_lost" };
  }

  /** A key's record (status, stored response), strongly consistent; `not_found` when absent or past its window. */
  async get(scope: { readonly accountId: string; readonly service: string; readonly key: string }): Promise<IdempotencyLookup> {
    assertObject("idempotency.get", "scope", scope);
    const item = await this.context.get("idempotency.get", this.context.tables.idempotencyKeys, { [KEY]: idempotencyKeyOf(scope) }, true);
    return item && !this.context.expired(item.expires_at) ? { outcome: "found", record: toRecord(item) } : { outcome: "not_found" };
  }

  /** One account's recent requests across services, newest first (what the index projects), paged (default 100). */
  async listForAccount(accountId: string, options?: PageOptions): Promise<Page<IdempotencyRequestSummary>> {
    const operation = "idempotency.listForAccount";
    new Checks(operation).text("accountId", accountId, { noHash: true }).throwIfAny();
    const index = INDEXES.idempotencyKeysByAccount;
    const page = await this.context.queryPage(
      { operation, partition: [index.partitionKey.name, accountId], keyAttributes: indexKeyAttributes(TABLES.idempotencyKeys, index) },
      pageOptions(operation, options, 100),
      {
        TableName: this.context.tables.idempotencyKeys,
        IndexName: index.name,
        KeyConditionExpression: `${index.partitionKey.name} = :account`,
        ExpressionAttributeValues: { ":account": accountId },
        ScanIndexForward: false,
      },
    );
    // Only the library's records carry account_id, so Powertools' records never appear here.
    return { items: page.items.map(toSummary), cursor: page.cursor };
  }

  private checkClaim(request: IdempotencyClaimRequest): number {
    const checks = new Checks("idempotency.claim");
    const skew = this.context.skewSeconds;
    checks.wholeNumber("windowSeconds", request.windowSeconds, 1, MAX_RETENTION_SECONDS);
    for (const problem of plainJsonProblems("request", request.request ?? null)) checks.add(problem);
    const lease = request.leaseSeconds ?? DEFAULT_CLAIM_LEASE_SECONDS;
    if (!Number.isInteger(lease) || lease < 1 || lease + skew > request.windowSeconds) {
      checks.add(
        `leaseSeconds: a whole number from 1 to windowSeconds minus the tolerated clock skew (${request.windowSeconds} - ${skew}) (got ${lease})`,
      );
    }
    checks.throwIfAny();
    return lease;
  }

  private checkHolder(operation: string, claim: IdempotencyClaim): void {
    const valid =
      typeof claim === "object" &&
      claim !== null &&
      typeof claim.idempotencyKey === "string" &&
      typeof claim.token === "string" &&
      claim.leaseExpiresAt instanceof Date &&
      claim.windowEndsAt instanceof Date &&
      Number.isInteger(claim.leaseSeconds);
    if (!valid) new Checks(operation).add("claim: pass the `claim` of a claimed result (idempotency.claim)").throwIfAny();
  }

  private holderWrite(
    operation: string,
    claim: IdempotencyClaim,
    update: {
      UpdateExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ) {
    return this.context.conditional(operation, {
      update: {
        TableName: this.context.tables.idempotencyKeys,
        Key: { [KEY]: claim.idempotencyKey },
        UpdateExpression: update.UpdateExpression,
        // The token fences every change: after a takeover the old holder's token matches nothing.
        ConditionExpression: "#status = :in_progress AND lease_token = :token",
        ExpressionAttributeNames: { "#status": "status", ...update.ExpressionAttributeNames },
        ExpressionAttributeValues: { ":in_progress": "in_progress", ":token": claim.token, ...update.ExpressionAttributeValues },
      },
    });
  }
}
