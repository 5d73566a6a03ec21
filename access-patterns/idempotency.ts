/**
 * idempotency_keys: claim, complete or release a request's key.
 *
 * Anchors (read, then improved on):
 * - Powertools for AWS Lambda (TypeScript) 2.35.0, DynamoDBPersistenceLayer (read in
 *   node_modules/@aws-lambda-powertools/idempotency/lib/cjs/persistence/DynamoDBPersistenceLayer.js;
 *   source: aws-powertools/powertools-lambda-typescript, packages/idempotency/src/persistence/):
 *   a conditional PutItem that succeeds when the key is absent, expired, or INPROGRESS with a lapsed
 *   `in_progress_expiration`, ReturnValuesOnConditionCheckFailure=ALL_OLD to see the existing record,
 *   and an optional payload hash (`validation`). Its completion (`_updateRecord`) is an unconditional
 *   UpdateItem, so any caller can complete any key, and a lapsed in-progress record can be taken over
 *   by a request with another payload.
 * - Stripe, "Idempotent requests" (https://docs.stripe.com/idempotency): the first result is saved
 *   and replayed for the same key; "compares incoming parameters to those of the original request
 *   and errors if they're not the same".
 * Here: the key is always "<account_id>#<client key>" built by the library; the claim returns a token
 * and only that token completes or releases the claim; a lapsed lease is reclaimable only by the same
 * request (same fingerprint); every outcome is typed.
 */
import { randomUUID } from "node:crypto";
import type { Context, Leased } from "./context";
import { INDEXES, withoutLeaseToken } from "./context";
import {
  ConflictError,
  IdempotencyPayloadMismatchError,
  InvalidTransitionError,
  LeaseLostError,
  NotFoundError,
  ValidationError,
} from "./errors";
import { assertItemFits } from "./item-size";
import { idempotencyKeyOf, requestFingerprint } from "./keys";
import { pageOptions, type Page, type PageOptions } from "./paging";

/** idempotency_keys item. `idempotency_key` is "<account_id>#<client key>". */
export interface IdempotencyRecord {
  idempotency_key: string;
  account_id: string;
  service: string;
  status: "in_progress" | "completed";
  /** ISO-8601 UTC of the (latest) claim. */
  created_at: string;
  /** Epoch seconds: end of the idempotency window (TTL). */
  expires_at: number;
  /** `sha256:<hex>` of the claim's request parameters. */
  fingerprint: string;
  /** Epoch seconds: until then an in_progress claim is held; after it the same request may reclaim it. */
  lease_expires_at?: number;
  response?: unknown;
  completed_at?: string;
}

/** What a caller may see of a record: never the claim token (stored as `lease_token`, stripped on every read). */
export type IdempotencyRecordView = IdempotencyRecord;

export interface IdempotencyClaimRequest {
  /** The client's idempotency key (e.g. the `Idempotency-Key` header); the library prefixes the account. */
  readonly key: string;
  readonly accountId: string;
  readonly service: string;
  /** How long duplicates are recognised (the record's TTL). */
  readonly windowSeconds: number;
  /**
   * The request's parameters (any JSON value); their hash is stored and a duplicate with other
   * parameters is an IdempotencyPayloadMismatchError. @default no parameters (null)
   */
  readonly request?: unknown;
  /**
   * How long the claim is held while in progress; after it the same request can reclaim the key
   * (the worker crashed). At most half the window. @default min(60, windowSeconds / 2)
   */
  readonly leaseSeconds?: number;
}

/** Proof of a claim: pass it to complete or release. */
export interface IdempotencyClaim {
  readonly outcome: "claimed";
  readonly idempotencyKey: string;
  readonly token: string;
  readonly leaseExpiresAt: number;
}

export interface IdempotencyExisting {
  readonly outcome: "existing";
  readonly idempotencyKey: string;
  readonly status: IdempotencyRecord["status"];
  /** The stored response when `status` is "completed": replay it. */
  readonly response?: unknown;
  /** While in progress: when the lease lapses (epoch seconds); retry after it. */
  readonly leaseExpiresAt?: number;
  readonly record: IdempotencyRecordView;
}

export type IdempotencyClaimResult = IdempotencyClaim | IdempotencyExisting;

type StoredRecord = Leased<IdempotencyRecord>;

export class Idempotency {
  constructor(private readonly context: Context) {}

  /**
   * One conditional PutItem: claims the key when it is free, expired, or in progress with a lapsed
   * lease of the same request; otherwise returns the existing record (from the failed write itself).
   */
  async claim(request: IdempotencyClaimRequest): Promise<IdempotencyClaimResult> {
    const idempotencyKey = idempotencyKeyOf(request.accountId, request.key);
    const leaseSeconds = this.leaseSeconds(request);
    const now = this.context.now();
    const fingerprint = requestFingerprint(request.request);
    const token = randomUUID();
    const item: StoredRecord = {
      idempotency_key: idempotencyKey,
      account_id: request.accountId,
      service: request.service,
      status: "in_progress",
      created_at: this.context.clock().toISOString(),
      expires_at: now + request.windowSeconds,
      fingerprint,
      lease_token: token,
      lease_expires_at: now + leaseSeconds,
    };
    const result = await this.context.conditional<StoredRecord>("idempotency_keys: claim key (conditional put)", {
      put: {
        TableName: this.context.tables.idempotencyKeys,
        Item: item,
        ConditionExpression:
          "attribute_not_exists(idempotency_key) OR expires_at <= :now OR " +
          "(#status = :in_progress AND lease_expires_at <= :now AND fingerprint = :fingerprint)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":now": now, ":in_progress": "in_progress", ":fingerprint": fingerprint },
      },
    });
    if (result.ok) {
      return { outcome: "claimed", idempotencyKey, token, leaseExpiresAt: item.lease_expires_at! };
    }
    const current = result.current;
    // The condition failed, so the item existed when DynamoDB evaluated it; ALL_OLD returns it.
    if (!current) throw new ConflictError(`${this.context.tables.idempotencyKeys}: claim of ${idempotencyKey} raced a delete; retry`);
    if (current.fingerprint !== fingerprint) throw new IdempotencyPayloadMismatchError(idempotencyKey);
    return {
      outcome: "existing",
      idempotencyKey,
      status: current.status,
      ...(current.status === "completed" ? { response: current.response } : { leaseExpiresAt: current.lease_expires_at }),
      record: withoutLeaseToken<IdempotencyRecordView>(current),
    };
  }

  /** in_progress -> completed with the response to replay; only the claim's token can do it. */
  async complete(claim: Pick<IdempotencyClaim, "idempotencyKey" | "token">, response: unknown): Promise<void> {
    assertClaim(claim, "completeIdempotencyKey");
    const table = this.context.tables.idempotencyKeys;
    const completedAt = this.context.clock().toISOString();
    // The whole record must fit: its fixed attributes plus the response (checked before writing).
    assertItemFits(table, "response", {
      idempotency_key: claim.idempotencyKey,
      account_id: claim.idempotencyKey,
      service: "",
      status: "completed",
      created_at: completedAt,
      expires_at: 0,
      fingerprint: requestFingerprint(null),
      completed_at: completedAt,
      response,
    });
    const result = await this.context.conditional<StoredRecord>(
      "idempotency_keys: store response",
      {
        update: {
          TableName: table,
          Key: { idempotency_key: claim.idempotencyKey },
          UpdateExpression:
            "SET #status = :completed, #response = :response, completed_at = :completed_at REMOVE lease_token, lease_expires_at",
          ConditionExpression: "#status = :in_progress AND lease_token = :token AND expires_at > :now",
          ExpressionAttributeNames: { "#status": "status", "#response": "response" },
          ExpressionAttributeValues: {
            ":completed": "completed",
            ":in_progress": "in_progress",
            ":response": response,
            ":completed_at": completedAt,
            ":token": claim.token,
            ":now": this.context.now(),
          },
        },
      },
      "response",
    );
    if (!result.ok) this.refused(claim.idempotencyKey, result.current, "completed");
  }

  /** Gives the key up (the request failed and may be retried now); only the claim's token can do it. */
  async release(claim: Pick<IdempotencyClaim, "idempotencyKey" | "token">): Promise<void> {
    assertClaim(claim, "releaseIdempotencyKey");
    const result = await this.context.conditional<StoredRecord>("idempotency_keys: release claim (conditional delete)", {
      delete: {
        TableName: this.context.tables.idempotencyKeys,
        Key: { idempotency_key: claim.idempotencyKey },
        ConditionExpression: "#status = :in_progress AND lease_token = :token",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":in_progress": "in_progress", ":token": claim.token },
      },
    });
    if (!result.ok) this.refused(claim.idempotencyKey, result.current, "released");
  }

  /** A key's record (status, stored response), or undefined when absent or expired. */
  async get(request: { accountId: string; key: string }): Promise<IdempotencyRecordView | undefined> {
    if (typeof request !== "object" || request === null) {
      throw new ValidationError("getIdempotencyRecord", ["pass { accountId, key }: the library builds the account's key itself"]);
    }
    const item = await this.context.get<StoredRecord>("idempotency_keys: get record", this.context.tables.idempotencyKeys, {
      idempotency_key: idempotencyKeyOf(request.accountId, request.key),
    });
    return item && !this.context.expired(item.expires_at) ? withoutLeaseToken<IdempotencyRecordView>(item) : undefined;
  }

  /** One account's recent requests across services, newest first (status/service/expiry only), paged. */
  async listForAccount(accountId: string, options?: number | PageOptions): Promise<Page<Omit<IdempotencyRecordView, "response">>> {
    return this.context.queryPage("idempotency_keys: list account requests (GSI)", ["account_id", accountId], pageOptions(options, 100), {
      TableName: this.context.tables.idempotencyKeys,
      IndexName: INDEXES.idempotencyKeysByAccount,
      KeyConditionExpression: "account_id = :account",
      ExpressionAttributeValues: { ":account": accountId },
      ScanIndexForward: false,
    });
  }

  private leaseSeconds(request: IdempotencyClaimRequest): number {
    const problems: string[] = [];
    const window = request.windowSeconds;
    if (!Number.isInteger(window) || window < 2) problems.push(`windowSeconds: a whole number of seconds >= 2 (got ${window})`);
    const lease = request.leaseSeconds ?? Math.min(60, Math.floor(window / 2));
    if (!Number.isInteger(lease) || lease < 1 || lease > window / 2) {
      problems.push(`leaseSeconds: a whole number from 1 to half the window (${Math.floor(window / 2)}) (got ${lease})`);
    }
    if (!request.service) problems.push("service: required");
    if (problems.length > 0) throw new ValidationError(`idempotency claim of "${request.key}"`, problems);
    return lease;
  }

  /** Why a holder's write was refused, as a typed error. */
  private refused(idempotencyKey: string, current: StoredRecord | undefined, to: string): never {
    const table = this.context.tables.idempotencyKeys;
    if (!current || this.context.expired(current.expires_at)) throw new NotFoundError(table, idempotencyKey);
    if (current.status !== "in_progress") throw new InvalidTransitionError(table, idempotencyKey, current.status, to);
    throw new LeaseLostError(table, idempotencyKey);
  }
}

/** The earlier call shape passed a raw key string: refuse it (fail closed) with the fix. */
function assertClaim(claim: Pick<IdempotencyClaim, "idempotencyKey" | "token">, method: string): void {
  if (typeof claim !== "object" || claim === null || typeof claim.token !== "string" || typeof claim.idempotencyKey !== "string") {
    throw new ValidationError(method, [
      "pass the claim returned by claimIdempotencyKey (its idempotencyKey and token); a bare key is refused",
    ]);
  }
}
