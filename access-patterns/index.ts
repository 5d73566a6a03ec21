/**
 * The access patterns of spec/tables.md, for services (AWS SDK v3 document client). Every read is
 * a GetItem or a Query; nothing scans.
 *
 * TTL: `expires_at` holds epoch seconds. DynamoDB deletes an expired item some time later (within
 * about 48 hours in AWS), so every read here also drops items whose `expires_at <= now`.
 */
import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException, type ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { apiKeys } from "../tables/api-keys";
import { auditLogs } from "../tables/audit-logs";
import { idempotencyKeys } from "../tables/idempotency-keys";
import { webhookEvents } from "../tables/webhook-events";

/** Physical table names, e.g. from the stack outputs `<table>_table_name`. */
export interface TableNames {
  readonly apiKeys: string;
  readonly idempotencyKeys: string;
  readonly webhookEvents: string;
  readonly auditLogs: string;
}

export const tableNamesWithPrefix = (prefix: string): TableNames => ({
  apiKeys: `${prefix}${apiKeys.id}`,
  idempotencyKeys: `${prefix}${idempotencyKeys.id}`,
  webhookEvents: `${prefix}${webhookEvents.id}`,
  auditLogs: `${prefix}${auditLogs.id}`,
});

/** Index names, from the table definitions (plain data, no cdktf) so they cannot drift. */
export const INDEXES = {
  apiKeysByAccount: apiKeys.globalIndexes[0].name,
  idempotencyKeysByAccount: idempotencyKeys.globalIndexes[0].name,
  webhookEventsDue: webhookEvents.globalIndexes[0].name,
  auditLogsByActor: auditLogs.globalIndexes[0].name,
} as const;

/** api_keys item. `expires_at` is set when the key is disabled: it disappears after retention. */
export interface ApiKey {
  api_key_hash: string;
  account_id: string;
  /** ISO-8601 UTC. */
  created_at: string;
  status: "active" | "disabled";
  label?: string;
  expires_at?: number;
}

/** idempotency_keys item. `idempotency_key` is "<account_id>#<client key>". */
export interface IdempotencyRecord {
  idempotency_key: string;
  account_id: string;
  service: string;
  status: "in_progress" | "completed";
  created_at: string;
  expires_at: number;
  response?: unknown;
}

/** webhook_events item. `next_retry_at` exists only while the event still has to be delivered. */
export interface WebhookEvent {
  event_id: string;
  account_id: string;
  endpoint_url: string;
  payload: unknown;
  status: "pending" | "delivered" | "failed";
  attempt_count: number;
  last_error?: string;
  /** Epoch seconds; removed once delivered, so the retry index stays sparse. */
  next_retry_at?: number;
  created_at: string;
  expires_at?: number;
}

/** audit_logs item. `occurred_at_id` is "<ISO-8601 UTC>#<uuid>": time-ordered and unique. */
export interface AuditEntry {
  account_id: string;
  occurred_at_id: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string;
  details?: Record<string, unknown>;
  expires_at: number;
}

export interface AccessPatternsOptions {
  /** Called with each pattern's consumed capacity units (ReturnConsumedCapacity=TOTAL). */
  readonly onCapacity?: (pattern: string, capacityUnits: number) => void;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
const NOT_EXPIRED = "(attribute_not_exists(expires_at) OR expires_at > :now)";

export class OpsDataAccess {
  private readonly clock: () => Date;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly options: AccessPatternsOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  // --- api_keys -------------------------------------------------------------------------------

  /** Validates a request: the key record by hash, or undefined when unknown or expired. */
  async findApiKey(apiKeyHash: string): Promise<ApiKey | undefined> {
    const item = await this.get<ApiKey>("api_keys: get key by hash", this.tables.apiKeys, { api_key_hash: apiKeyHash });
    return item && !this.expired(item.expires_at) ? item : undefined;
  }

  async createApiKey(key: Omit<ApiKey, "status" | "expires_at">): Promise<void> {
    await this.put("api_keys: create key", this.tables.apiKeys, { ...key, status: "active" }, "api_key_hash");
  }

  /** Disables a key; it is deleted by TTL after `retentionSeconds`. */
  async disableApiKey(apiKeyHash: string, retentionSeconds: number): Promise<void> {
    await this.update("api_keys: disable key", {
      TableName: this.tables.apiKeys,
      Key: { api_key_hash: apiKeyHash },
      UpdateExpression: "SET #status = :disabled, expires_at = :expires",
      ConditionExpression: "attribute_exists(api_key_hash)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":disabled": "disabled", ":expires": this.now() + retentionSeconds },
    });
  }

  /** An account's keys, newest first. */
  async listAccountApiKeys(accountId: string, limit = 100): Promise<ApiKey[]> {
    return this.query<ApiKey>("api_keys: list account keys (GSI)", limit, {
      TableName: this.tables.apiKeys,
      IndexName: INDEXES.apiKeysByAccount,
      KeyConditionExpression: "account_id = :account",
      ExpressionAttributeValues: { ":account": accountId },
      ScanIndexForward: false,
    });
  }

  // --- idempotency_keys -----------------------------------------------------------------------

  /**
   * Claims a key atomically: true for the first request, false for a duplicate inside the window.
   * An expired claim that TTL has not deleted yet counts as free.
   */
  async claimIdempotencyKey(claim: { key: string; accountId: string; service: string; windowSeconds: number }): Promise<boolean> {
    const record: IdempotencyRecord = {
      idempotency_key: claim.key,
      account_id: claim.accountId,
      service: claim.service,
      status: "in_progress",
      created_at: this.clock().toISOString(),
      expires_at: this.now() + claim.windowSeconds,
    };
    try {
      const result = await this.client.send(
        new PutCommand({
          TableName: this.tables.idempotencyKeys,
          Item: record,
          ConditionExpression: "attribute_not_exists(idempotency_key) OR expires_at <= :now",
          ExpressionAttributeValues: { ":now": this.now() },
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      this.record("idempotency_keys: claim key (conditional put)", result.ConsumedCapacity);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Stores the response of a claimed key so duplicates can replay it. */
  async completeIdempotencyKey(key: string, response: unknown): Promise<void> {
    await this.update("idempotency_keys: store response", {
      TableName: this.tables.idempotencyKeys,
      Key: { idempotency_key: key },
      UpdateExpression: "SET #status = :completed, #response = :response",
      ConditionExpression: "attribute_exists(idempotency_key)",
      ExpressionAttributeNames: { "#status": "status", "#response": "response" },
      ExpressionAttributeValues: { ":completed": "completed", ":response": response },
    });
  }

  async getIdempotencyRecord(key: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.get<IdempotencyRecord>("idempotency_keys: get record", this.tables.idempotencyKeys, { idempotency_key: key });
    return item && !this.expired(item.expires_at) ? item : undefined;
  }

  /** One account's recent requests across services, newest first (status/service/expiry only). */
  async listAccountRequests(accountId: string, limit = 100): Promise<Array<Omit<IdempotencyRecord, "response">>> {
    return this.query("idempotency_keys: list account requests (GSI)", limit, {
      TableName: this.tables.idempotencyKeys,
      IndexName: INDEXES.idempotencyKeysByAccount,
      KeyConditionExpression: "account_id = :account",
      ExpressionAttributeValues: { ":account": accountId },
      ScanIndexForward: false,
    });
  }

  // --- webhook_events -------------------------------------------------------------------------

  /** Records a new event, due for delivery now. */
  async recordWebhookEvent(event: Pick<WebhookEvent, "event_id" | "account_id" | "endpoint_url" | "payload">): Promise<void> {
    const item: WebhookEvent = {
      ...event,
      status: "pending",
      attempt_count: 0,
      next_retry_at: this.now(),
      created_at: this.clock().toISOString(),
    };
    await this.put("webhook_events: record event", this.tables.webhookEvents, item, "event_id");
  }

  /** Records a failed attempt and when to retry. */
  async recordDeliveryFailure(eventId: string, error: string, nextRetryAt: number): Promise<void> {
    await this.update("webhook_events: record failed attempt", {
      TableName: this.tables.webhookEvents,
      Key: { event_id: eventId },
      UpdateExpression: "SET attempt_count = attempt_count + :one, last_error = :error, next_retry_at = :next",
      ConditionExpression: "attribute_exists(event_id)",
      ExpressionAttributeValues: { ":one": 1, ":error": error, ":next": nextRetryAt },
    });
  }

  /** Marks an event delivered: it leaves the retry index and expires after `retentionSeconds`. */
  async markDelivered(eventId: string, retentionSeconds: number): Promise<void> {
    await this.update("webhook_events: mark delivered", {
      TableName: this.tables.webhookEvents,
      Key: { event_id: eventId },
      UpdateExpression: "SET #status = :delivered, attempt_count = attempt_count + :one, expires_at = :expires REMOVE next_retry_at",
      ConditionExpression: "attribute_exists(event_id)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":delivered": "delivered", ":one": 1, ":expires": this.now() + retentionSeconds },
    });
  }

  /** Events with this status whose `next_retry_at <= now`, oldest first. */
  async listDueWebhookEvents(status: WebhookEvent["status"] = "pending", limit = 100): Promise<WebhookEvent[]> {
    return this.query<WebhookEvent>("webhook_events: list due retries (GSI)", limit, {
      TableName: this.tables.webhookEvents,
      IndexName: INDEXES.webhookEventsDue,
      KeyConditionExpression: "#status = :status AND next_retry_at <= :now",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": status },
      ScanIndexForward: true,
    });
  }

  // --- audit_logs -----------------------------------------------------------------------------

  /** Appends an entry; never overwrites (the table's resource policy forbids updates and deletes). */
  async appendAuditEntry(
    entry: Omit<AuditEntry, "occurred_at_id" | "expires_at"> & { occurredAt?: Date; retentionSeconds: number },
  ): Promise<AuditEntry> {
    const { occurredAt = this.clock(), retentionSeconds, ...fields } = entry;
    const item: AuditEntry = {
      ...fields,
      occurred_at_id: `${occurredAt.toISOString()}#${randomUUID()}`,
      expires_at: epochSeconds(occurredAt) + retentionSeconds,
    };
    await this.put("audit_logs: append entry", this.tables.auditLogs, item, "account_id");
    return item;
  }

  /** An account's entries between two instants (inclusive), oldest first. */
  async listAccountAuditTrail(accountId: string, from: Date, to: Date, limit = 1000): Promise<AuditEntry[]> {
    return this.query<AuditEntry>("audit_logs: account trail by time range", limit, {
      TableName: this.tables.auditLogs,
      KeyConditionExpression: "account_id = :key AND occurred_at_id BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":key": accountId, ...timeRange(from, to) },
    });
  }

  /** What one actor did between two instants, oldest first (action and resource only). */
  async listActorAuditTrail(
    actorId: string,
    from: Date,
    to: Date,
    limit = 1000,
  ): Promise<Array<Omit<AuditEntry, "details" | "expires_at">>> {
    return this.query("audit_logs: actor trail by time range (GSI)", limit, {
      TableName: this.tables.auditLogs,
      IndexName: INDEXES.auditLogsByActor,
      KeyConditionExpression: "actor_id = :key AND occurred_at_id BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":key": actorId, ...timeRange(from, to) },
    });
  }

  // --- shared ---------------------------------------------------------------------------------

  private now(): number {
    return epochSeconds(this.clock());
  }

  private expired(expiresAt: number | undefined): boolean {
    return expiresAt !== undefined && expiresAt <= this.now();
  }

  private record(pattern: string, consumed: ConsumedCapacity | undefined) {
    this.options.onCapacity?.(pattern, consumed?.CapacityUnits ?? 0);
  }

  private async get<T>(pattern: string, table: string, key: Record<string, unknown>): Promise<T | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: table, Key: key, ReturnConsumedCapacity: "TOTAL" }));
    this.record(pattern, result.ConsumedCapacity);
    return result.Item as T | undefined;
  }

  private async update(pattern: string, input: UpdateCommandInput): Promise<void> {
    const result = await this.client.send(new UpdateCommand({ ...input, ReturnConsumedCapacity: "TOTAL" }));
    this.record(pattern, result.ConsumedCapacity);
  }

  /** PutItem that fails instead of overwriting an existing item. */
  private async put(pattern: string, table: string, item: object, partitionKey: string): Promise<void> {
    const result = await this.client.send(
      new PutCommand({
        TableName: table,
        Item: item,
        ConditionExpression: `attribute_not_exists(${partitionKey})`,
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    this.record(pattern, result.ConsumedCapacity);
  }

  /** Query (never Scan), following pages up to `limit` items, dropping expired items. */
  private async query<T>(pattern: string, limit: number, input: QueryCommandInput): Promise<T[]> {
    const items: T[] = [];
    let capacity = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          ...input,
          FilterExpression: NOT_EXPIRED,
          ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ":now": this.now() },
          ExclusiveStartKey: startKey,
          Limit: limit - items.length,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      capacity += result.ConsumedCapacity?.CapacityUnits ?? 0;
      items.push(...((result.Items ?? []) as T[]));
      startKey = result.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    this.options.onCapacity?.(pattern, capacity);
    return items;
  }
}

/** BETWEEN bounds on "<ISO time>#<uuid>" keys covering every entry from `from` to `to` inclusive. */
function timeRange(from: Date, to: Date) {
  return { ":from": from.toISOString(), ":to": `${to.toISOString()}#\uffff` };
}
