/**
 * The services' access library (AWS SDK v3 document client) for the four tables. Every pattern is
 * a GetItem, a Query or a conditional write; nothing scans. Every state change is conditional and
 * every refusal a typed error (errors.ts). One concept per file: api-keys, idempotency, webhooks
 * (+ its state machine), audit, paging, keys, item-size, errors.
 *
 * TTL: `expires_at` holds epoch seconds. DynamoDB deletes an expired item some time later (within
 * about 48 hours in AWS), so every read here also drops items whose `expires_at <= now`.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ApiKeys, type ApiKey, type ApiKeyValidation } from "./api-keys";
import { AuditTrail, type ActorAuditEntry, type AuditEntry, type AuditEntryInput } from "./audit";
import { Context, type ContextOptions, type TableNames } from "./context";
import {
  Idempotency,
  type IdempotencyClaim,
  type IdempotencyClaimRequest,
  type IdempotencyClaimResult,
  type IdempotencyRecordView,
} from "./idempotency";
import type { Page, PageOptions } from "./paging";
import { webhookPolicy, type WebhookPolicy, type WebhookStatus } from "./webhook-state-machine";
import { Webhooks, type WebhookEvent, type WebhookLease } from "./webhooks";

export * from "./api-keys";
export * from "./audit";
export { INDEXES, tableNamesWithPrefix, type TableNames } from "./context";
export * from "./errors";
export * from "./idempotency";
export { MAX_ITEM_BYTES } from "./item-size";
export { idempotencyKeyOf, requestFingerprint } from "./keys";
export type { Page, PageOptions } from "./paging";
export * from "./webhook-state-machine";
export * from "./webhooks";

export interface AccessPatternsOptions extends ContextOptions {
  /** Webhook retry policy (attempts before dead, backoff, lease). @default DEFAULT_WEBHOOK_POLICY */
  readonly webhooks?: Partial<WebhookPolicy>;
}

/** All four tables' patterns behind one object (the concept classes are also usable alone). */
export class OpsDataAccess {
  readonly apiKeys: ApiKeys;
  readonly idempotency: Idempotency;
  readonly webhooks: Webhooks;
  readonly audit: AuditTrail;

  constructor(client: DynamoDBDocumentClient, tables: TableNames, options: AccessPatternsOptions = {}) {
    const context = new Context(client, tables, options);
    this.apiKeys = new ApiKeys(context);
    this.idempotency = new Idempotency(context);
    this.webhooks = new Webhooks(context, webhookPolicy(options.webhooks));
    this.audit = new AuditTrail(context);
    this.iterate = context.iterate.bind(context);
  }

  /** Every item of a paged list: `for await (const e of access.iterate((cursor) => access.listAccountAuditTrail(a, from, to, { cursor })))`. */
  readonly iterate: <T>(list: (cursor: string | undefined) => Promise<Page<T>>) => AsyncGenerator<T>;

  // --- api_keys -------------------------------------------------------------------------------

  /** Authenticates a request: valid with the account, or invalid with the reason (unknown, disabled, expired). */
  validateApiKey(apiKeyHash: string): Promise<ApiKeyValidation> {
    return this.apiKeys.validate(apiKeyHash);
  }

  /** The key only when it is valid (active, not expired); undefined otherwise: fails closed. Prefer validateApiKey. */
  async findApiKey(apiKeyHash: string): Promise<ApiKey | undefined> {
    const validation = await this.apiKeys.validate(apiKeyHash);
    return validation.valid ? validation.key : undefined;
  }

  createApiKey(key: Parameters<ApiKeys["create"]>[0]): Promise<ApiKey> {
    return this.apiKeys.create(key);
  }

  disableApiKey(apiKeyHash: string, retentionSeconds: number): Promise<void> {
    return this.apiKeys.disable(apiKeyHash, retentionSeconds);
  }

  listAccountApiKeys(accountId: string, options?: number | PageOptions): Promise<Page<ApiKey>> {
    return this.apiKeys.listForAccount(accountId, options);
  }

  // --- idempotency_keys -----------------------------------------------------------------------

  claimIdempotencyKey(claim: IdempotencyClaimRequest): Promise<IdempotencyClaimResult> {
    return this.idempotency.claim(claim);
  }

  completeIdempotencyKey(claim: Pick<IdempotencyClaim, "idempotencyKey" | "token">, response: unknown): Promise<void> {
    return this.idempotency.complete(claim, response);
  }

  releaseIdempotencyKey(claim: Pick<IdempotencyClaim, "idempotencyKey" | "token">): Promise<void> {
    return this.idempotency.release(claim);
  }

  getIdempotencyRecord(request: { accountId: string; key: string }): Promise<IdempotencyRecordView | undefined> {
    return this.idempotency.get(request);
  }

  listAccountRequests(accountId: string, options?: number | PageOptions): Promise<Page<Omit<IdempotencyRecordView, "response">>> {
    return this.idempotency.listForAccount(accountId, options);
  }

  // --- webhook_events -------------------------------------------------------------------------

  recordWebhookEvent(event: Pick<WebhookEvent, "event_id" | "account_id" | "endpoint_url" | "payload">): Promise<WebhookEvent> {
    return this.webhooks.record(event);
  }

  leaseDueWebhookEvents(options?: { limit?: number; leaseSeconds?: number }): Promise<WebhookLease[]> {
    return this.webhooks.lease(options);
  }

  recordDeliveryFailure(target: string | WebhookLease, error: string, nextRetryAt?: number): Promise<WebhookStatus> {
    return this.webhooks.recordFailure(target, error, nextRetryAt);
  }

  markDelivered(target: string | WebhookLease, retentionSeconds: number): Promise<void> {
    return this.webhooks.markDelivered(target, retentionSeconds);
  }

  listDueWebhookEvents(status: WebhookStatus = "pending", options?: number | PageOptions): Promise<Page<WebhookEvent>> {
    return this.webhooks.listDue(status, options);
  }

  listDeadWebhookEvents(options?: number | PageOptions): Promise<Page<WebhookEvent>> {
    return this.webhooks.listDead(options);
  }

  requeueDeadWebhookEvent(eventId: string): Promise<void> {
    return this.webhooks.requeueDead(eventId);
  }

  // --- audit_logs -----------------------------------------------------------------------------

  appendAuditEntry(entry: AuditEntryInput): Promise<AuditEntry> {
    return this.audit.append(entry);
  }

  listAccountAuditTrail(accountId: string, from: Date, to: Date, options?: number | PageOptions): Promise<Page<AuditEntry>> {
    return this.audit.accountTrail(accountId, from, to, options);
  }

  listActorAuditTrail(actorId: string, from: Date, to: Date, options?: number | PageOptions): Promise<Page<ActorAuditEntry>> {
    return this.audit.actorTrail(actorId, from, to, options);
  }
}
