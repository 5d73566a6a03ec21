/**
 * @opsdata/access: the services' library for the platform's four DynamoDB tables (api_keys,
 * idempotency_keys, webhook_events, audit_logs), on the AWS SDK v3. Every operation is a GetItem, a
 * Query or a conditional write (never a Scan); every expected outcome is a result with an `outcome`
 * field; errors are typed (errors.ts). TTL: `expires_at` holds epoch seconds and DynamoDB deletes
 * expired items some time later, so every read here also drops items whose `expires_at <= now`.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ApiKeys } from "./api-keys";
import { AuditTrail } from "./audit";
import { Context, iterate, type ContextOptions } from "./context";
import { Idempotency } from "./idempotency";
import type { Page } from "./paging";
import type { TableNames } from "./tables";
import { webhookPolicy, type WebhookPolicy } from "./webhook-state-machine";
import { WebhookOperator, Webhooks } from "./webhooks";

export * from "./api-keys";
export * from "./audit";
export * from "./errors";
export * from "./idempotency";
export type { LeaseRefusal } from "./lease";
export * from "./webhook-state-machine";
export * from "./webhooks";
export type { ContextOptions } from "./context";
export { MAX_ITEM_BYTES } from "./item-size";
export { MAX_PAGE_LIMIT, type Page, type PageOptions } from "./paging";
export { tableNamesWithPrefix, type TableNames } from "./tables";
export { DEFAULT_CLOCK_SKEW_TOLERANCE_SECONDS, MAX_CLOCK_SKEW_TOLERANCE_SECONDS } from "./time";

export interface OpsDataAccessOptions extends ContextOptions {
  /** The environment's table names, e.g. `tableNamesWithPrefix("opsdata_prod_")`. */
  readonly tables: TableNames;
  /** Webhook retry policy (attempts before dead, backoff, lease). @default DEFAULT_WEBHOOK_POLICY */
  readonly webhooks?: Partial<WebhookPolicy>;
}

/** The four tables' operations, one object per table, plus the webhook operator's path. */
export class OpsDataAccess {
  readonly apiKeys: ApiKeys;
  readonly idempotency: Idempotency;
  /** The workers' path: record, lease, renew, and the lease holder's outcomes. */
  readonly webhooks: Webhooks;
  /** The operator's path: list and requeue dead events. */
  readonly webhookOperator: WebhookOperator;
  readonly audit: AuditTrail;

  /** `client`: your DynamoDBClient (region, credentials, retries and middleware are yours). */
  constructor(client: DynamoDBClient, options: OpsDataAccessOptions) {
    const context = new Context(client, options?.tables, options);
    this.apiKeys = new ApiKeys(context);
    this.idempotency = new Idempotency(context);
    this.webhooks = new Webhooks(context, webhookPolicy(options.webhooks));
    this.webhookOperator = new WebhookOperator(context);
    this.audit = new AuditTrail(context);
  }

  /** Every item of a paged list: `for await (const e of access.iterate((cursor) => access.audit.accountTrail(a, { from, to, cursor })))`. */
  iterate<T>(list: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
    return iterate(list);
  }
}
