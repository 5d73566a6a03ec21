/**
 * webhook_events: record, lease due events to one worker at a time, and record each attempt's
 * outcome through the state machine (webhook-state-machine.ts), every transition a conditional write.
 *
 * Leases use the sparse `status-next_retry_at-index`: leasing is a conditional UpdateItem that
 * pushes `next_retry_at` to the lease's expiry and sets a `lease_token`, so the event leaves the
 * due range (`next_retry_at <= now`) until the lease lapses; a worker that crashes loses nothing,
 * the event is due again when its lease expires.
 */
import { randomUUID } from "node:crypto";
import type { Context, Leased } from "./context";
import { INDEXES, withoutLeaseToken } from "./context";
import { ConflictError, InvalidTransitionError, LeaseLostError, NotFoundError } from "./errors";
import { assertItemFits } from "./item-size";
import { pageOptions, type Page, type PageOptions } from "./paging";
import { nextWebhookState, type WebhookPolicy, type WebhookStatus } from "./webhook-state-machine";

/** webhook_events item. `next_retry_at` exists while pending (next attempt or lease expiry) and for dead events (time of death). */
export interface WebhookEvent {
  event_id: string;
  account_id: string;
  endpoint_url: string;
  payload: unknown;
  status: WebhookStatus;
  /** Finished attempts. */
  attempt_count: number;
  last_error?: string;
  /** Epoch seconds; removed once delivered, so the retry index stays sparse. */
  next_retry_at?: number;
  created_at: string;
  delivered_at?: string;
  /** ISO-8601 UTC: when it went dead. */
  dead_at?: string;
  expires_at?: number;
}

/** An event leased to this worker until `leaseExpiresAt`; report its outcome with the lease. */
export interface WebhookLease {
  readonly event: WebhookEvent;
  readonly eventId: string;
  readonly token: string;
  readonly leaseExpiresAt: number;
}

type StoredEvent = Leased<WebhookEvent>;

export class Webhooks {
  constructor(
    private readonly context: Context,
    private readonly policy: WebhookPolicy,
  ) {}

  /** Records a new event, due for delivery now; an existing event id is a ConflictError. */
  async record(event: Pick<WebhookEvent, "event_id" | "account_id" | "endpoint_url" | "payload">): Promise<WebhookEvent> {
    const table = this.context.tables.webhookEvents;
    const item: WebhookEvent = {
      ...event,
      status: "pending",
      attempt_count: 0,
      next_retry_at: this.context.now(),
      created_at: this.context.clock().toISOString(),
    };
    assertItemFits(table, "payload", { ...item });
    const result = await this.context.conditional(
      "webhook_events: record event",
      { put: { TableName: table, Item: item, ConditionExpression: "attribute_not_exists(event_id)" } },
      "payload",
    );
    if (!result.ok) throw new ConflictError(`${table}: event ${event.event_id} already exists`);
    return item;
  }

  /** Events with this status whose `next_retry_at <= now`, oldest first: a batch of at most `limit` (default 100) with a cursor. */
  async listDue(status: WebhookStatus = "pending", options?: number | PageOptions): Promise<Page<WebhookEvent>> {
    const page = await this.context.queryPage<StoredEvent>(
      "webhook_events: list due retries (GSI)",
      ["status", status],
      pageOptions(options, 100),
      {
        TableName: this.context.tables.webhookEvents,
        IndexName: INDEXES.webhookEventsDue,
        KeyConditionExpression: "#status = :status AND next_retry_at <= :now",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":status": status },
        ScanIndexForward: true,
      },
    );
    return Object.assign(
      page.map((event) => withoutLeaseToken<WebhookEvent>(event)),
      { cursor: page.cursor },
    );
  }

  /** Dead events (gave up after `maxAttempts`), oldest death first, for an operator; paged. */
  async listDead(options?: number | PageOptions): Promise<Page<WebhookEvent>> {
    return this.listDue("dead", options);
  }

  /**
   * Leases up to `limit` due events to this worker: one Query, then one conditional UpdateItem per
   * event (status still pending, still due, same attempt count). Events another worker leased first
   * are skipped, so each event is leased to one worker at a time.
   */
  async lease(options: { limit?: number; leaseSeconds?: number } = {}): Promise<WebhookLease[]> {
    const leaseSeconds = options.leaseSeconds ?? this.policy.leaseSeconds;
    const due = await this.listDue("pending", options.limit ?? 10);
    const leases: WebhookLease[] = [];
    for (const event of due) {
      const now = this.context.now();
      const token = randomUUID();
      const leaseExpiresAt = now + leaseSeconds;
      const result = await this.context.conditional("webhook_events: lease due event", {
        update: {
          TableName: this.context.tables.webhookEvents,
          Key: { event_id: event.event_id },
          UpdateExpression: "SET next_retry_at = :lease_expires_at, lease_token = :token",
          ConditionExpression: "#status = :pending AND next_retry_at <= :now AND attempt_count = :attempts",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":pending": "pending",
            ":now": now,
            ":attempts": event.attempt_count,
            ":lease_expires_at": leaseExpiresAt,
            ":token": token,
          },
        },
      });
      if (result.ok) leases.push({ event: { ...event, next_retry_at: leaseExpiresAt }, eventId: event.event_id, token, leaseExpiresAt });
    }
    return leases;
  }

  /**
   * pending -> delivered: leaves the retry index, expires after `retentionSeconds`. With a lease,
   * only its holder can; with a bare event id (the earlier call shape), any pending event.
   */
  async markDelivered(target: string | WebhookLease, retentionSeconds: number): Promise<void> {
    const eventId = typeof target === "string" ? target : target.eventId;
    const token = typeof target === "string" ? undefined : target.token;
    const result = await this.context.conditional<StoredEvent>("webhook_events: mark delivered", {
      update: {
        TableName: this.context.tables.webhookEvents,
        Key: { event_id: eventId },
        UpdateExpression:
          "SET #status = :delivered, attempt_count = attempt_count + :one, delivered_at = :at, expires_at = :expires " +
          "REMOVE next_retry_at, lease_token",
        ConditionExpression: `#status = :pending${token ? " AND lease_token = :token" : ""}`,
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":pending": "pending",
          ":delivered": "delivered",
          ":one": 1,
          ":at": this.context.clock().toISOString(),
          ":expires": this.context.now() + retentionSeconds,
          ...(token ? { ":token": token } : {}),
        },
      },
    });
    if (!result.ok) this.refused(eventId, result.current, "delivered", token);
  }

  /**
   * A failed attempt: pending again with the next retry (`nextRetryAt`, default the policy's
   * backoff), or dead once `maxAttempts` attempts have failed. With a lease, only its holder can.
   * With a bare event id, the event is read first (one GetItem) to know its attempt count.
   */
  async recordFailure(target: string | WebhookLease, error: string, nextRetryAt?: number): Promise<WebhookStatus> {
    const table = this.context.tables.webhookEvents;
    const eventId = typeof target === "string" ? target : target.eventId;
    const token = typeof target === "string" ? undefined : target.token;
    const current =
      typeof target === "string"
        ? await this.context.get<StoredEvent>("webhook_events: get event", table, { event_id: eventId })
        : target.event;
    if (!current) throw new NotFoundError(table, eventId);
    const now = this.context.now();
    const transition = nextWebhookState(current, "failed", this.policy, now, table);
    const dead = transition.to === "dead";
    const result = await this.context.conditional<StoredEvent>(
      dead ? "webhook_events: failed attempt -> dead" : "webhook_events: record failed attempt",
      {
        update: {
          TableName: table,
          Key: { event_id: eventId },
          UpdateExpression: `SET #status = :to, attempt_count = :attempts, last_error = :error, next_retry_at = :next${
            dead ? ", dead_at = :at" : ""
          } REMOVE lease_token`,
          ConditionExpression: `#status = :pending AND attempt_count = :seen${token ? " AND lease_token = :token" : ""}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":pending": "pending",
            ":to": transition.to,
            ":attempts": transition.attemptCount,
            ":seen": current.attempt_count,
            ":error": error,
            ":next": dead ? transition.nextRetryAt : (nextRetryAt ?? transition.nextRetryAt),
            ...(dead ? { ":at": this.context.clock().toISOString() } : {}),
            ...(token ? { ":token": token } : {}),
          },
        },
      },
    );
    if (!result.ok) this.refused(eventId, result.current, "failed attempt", token);
    return transition.to;
  }

  /** Operator action: dead -> pending, attempts reset, due now (e.g. after the endpoint was fixed). Only a dead event can be requeued. */
  async requeueDead(eventId: string): Promise<void> {
    const table = this.context.tables.webhookEvents;
    const result = await this.context.conditional<StoredEvent>("webhook_events: requeue dead event", {
      update: {
        TableName: table,
        Key: { event_id: eventId },
        UpdateExpression: "SET #status = :pending, attempt_count = :zero, next_retry_at = :now REMOVE dead_at",
        ConditionExpression: "#status = :dead",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":pending": "pending", ":dead": "dead", ":zero": 0, ":now": this.context.now() },
      },
    });
    if (result.ok) return;
    if (!result.current) throw new NotFoundError(table, eventId);
    throw new InvalidTransitionError(table, eventId, result.current.status, "pending (requeued)");
  }

  private refused(eventId: string, current: StoredEvent | undefined, to: string, token: string | undefined): never {
    const table = this.context.tables.webhookEvents;
    if (!current) throw new NotFoundError(table, eventId);
    if (current.status !== "pending") throw new InvalidTransitionError(table, eventId, current.status, to);
    if (token && current.lease_token !== token) throw new LeaseLostError(table, eventId);
    throw new ConflictError(`${table}: event ${eventId} changed while recording its outcome (another attempt was recorded); re-read it`);
  }
}
