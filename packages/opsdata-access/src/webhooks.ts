/**
 * webhook_events: record events, lease due events to one worker at a time, renew a lease, and
 * record each attempt's outcome through the state machine (webhook-state-machine.ts). Every change
 * to a leased event is a conditional write fenced by the lease's token; the operator's path
 * (WebhookOperator) is separate and touches only dead events.
 *
 * Leases use the sparse `status-next_retry_at-index`: leasing is a conditional UpdateItem that sets
 * a `lease_token` and pushes `next_retry_at` to the lease's expiry plus the tolerated clock skew, so
 * the event leaves the due range (`next_retry_at <= now`) until the lease has lapsed by every
 * caller's clock. A worker that crashes loses nothing: the event is due again after that.
 */
import { randomUUID } from "node:crypto";
import { Checks, MAX_RETENTION_SECONDS, assertObject, toWellFormed } from "./checks";
import type { Context } from "./context";
import { MalformedRecordError, OpsDataError } from "./errors";
import { MAX_ITEM_BYTES, assertItemFits } from "./item-size";
import { jsonText } from "./json-value";
import { leaseEnded, type LeaseRefusal } from "./lease";
import { pageOptions, MAX_PAGE_LIMIT, type Page, type PageOptions } from "./paging";
import { INDEXES, TABLES, indexKeyAttributes } from "./tables";
import { epochSeconds, fromEpochSeconds } from "./time";
import { MAX_WEBHOOK_POLICY_VALUE, nextWebhookState, type WebhookPolicy, type WebhookStatus } from "./webhook-state-machine";

/** A caller-chosen retry time may be at most this far ahead (30 days). */
export const MAX_RETRY_DELAY_SECONDS = 30 * 24 * 3600;
/** The last error kept with an event is cut to this many characters. */
export const MAX_LAST_ERROR_CHARACTERS = 1000;
/**
 * Room a recorded event keeps for the attributes its later states add: lease_token and
 * lease_expires_at (about 75 bytes), last_error (up to MAX_LAST_ERROR_CHARACTERS UTF-16 units, at
 * most 3 bytes each: about 3 KB), dead_at, delivered_at and expires_at (about 90 bytes), with margin.
 */
export const WEBHOOK_STATE_HEADROOM_BYTES = 4 * 1024;
/** record() refuses an event larger than this, so every later state of it fits DynamoDB's item limit. */
export const MAX_WEBHOOK_EVENT_BYTES = MAX_ITEM_BYTES - WEBHOOK_STATE_HEADROOM_BYTES;
/** Event ids: at most this many UTF-8 bytes. */
export const MAX_EVENT_ID_BYTES = 1024;
/** A lease batch reads up to this many due candidates per lease it wants (spreads workers apart), at most 100. */
export const LEASE_CANDIDATES_PER_LEASE = 3;

export interface WebhookEvent {
  readonly eventId: string;
  readonly accountId: string;
  readonly endpointUrl: string;
  /** The payload's JSON form. */
  readonly payload: unknown;
  readonly status: WebhookStatus;
  /** Finished attempts. */
  readonly attemptCount: number;
  readonly lastError?: string;
  /** While pending: when it is due (or, while leased, when others may lease it). Dead: when it died. */
  readonly nextRetryAt?: Date;
  readonly createdAt: Date;
  readonly deliveredAt?: Date;
  readonly deadAt?: Date;
  readonly expiresAt?: Date;
}

export interface NewWebhookEvent {
  readonly eventId: string;
  readonly accountId: string;
  /** An http(s) URL. */
  readonly endpointUrl: string;
  /** Any JSON value (stored as its JSON text). */
  readonly payload: unknown;
}

/** An event leased to this worker: act on it only before `leaseExpiresAt` (by this worker's clock), or renew(). */
export interface WebhookLease {
  readonly eventId: string;
  readonly token: string;
  readonly leaseExpiresAt: Date;
  readonly event: WebhookEvent;
}

export type WebhookRecording = { readonly outcome: "recorded"; readonly event: WebhookEvent } | { readonly outcome: "already_exists" };

/** One due event the batch tried to lease. */
export type LeaseAttempt =
  | { readonly eventId: string; readonly outcome: "leased"; readonly lease: WebhookLease }
  /** Another worker leased it (or recorded an outcome) first. */
  | { readonly eventId: string; readonly outcome: "taken" }
  /**
   * Not leased: a retryable error (ThrottledError) stopped the batch here, with what it leased before;
   * a non-retryable one (MalformedRecordError, ItemTooLargeError, ...) skipped this event only.
   */
  | { readonly eventId: string; readonly outcome: "failed"; readonly error: OpsDataError };

export interface LeaseBatch {
  /** The leases this worker holds now. */
  readonly leases: readonly WebhookLease[];
  /** Every attempt, in order; the last is a retryable `failed` if the batch stopped on one. */
  readonly attempts: readonly LeaseAttempt[];
}

export type WebhookRenewal = { readonly outcome: "renewed"; readonly lease: WebhookLease } | LeaseRefusal;
export type LeaseRelease = { readonly outcome: "released" } | LeaseRefusal;
export type DeliveryRecording = { readonly outcome: "delivered" } | LeaseRefusal;
export type FailureRecording =
  | { readonly outcome: "retry_scheduled"; readonly nextRetryAt: Date; readonly attemptCount: number }
  | { readonly outcome: "dead"; readonly attemptCount: number }
  | LeaseRefusal;
export type Requeue =
  { readonly outcome: "requeued" } | { readonly outcome: "not_found" } | { readonly outcome: "not_dead"; readonly status: WebhookStatus };

const KEY = TABLES.webhookEvents.partitionKey.name;
const DUE = INDEXES.webhookEventsDue;

/** A listed page; items the library cannot read are in `malformed` (each with its error), not in `items`. */
export interface WebhookEventPage extends Page<WebhookEvent> {
  readonly malformed: readonly { readonly eventId: string; readonly error: MalformedRecordError }[];
}

/** The stored item as an event; MalformedRecordError (never a raw SyntaxError) when it cannot be read. */
function toEvent(operation: string, item: Record<string, unknown>): WebhookEvent {
  const eventId = String(item[KEY]);
  const malformed = (problem: string) => new MalformedRecordError(operation, eventId, problem);
  if (typeof item.payload !== "string") throw malformed("payload: not stored as JSON text");
  let payload: unknown;
  try {
    payload = JSON.parse(item.payload);
  } catch {
    throw malformed("payload: not JSON");
  }
  if (typeof item.attempt_count !== "number") throw malformed("attempt_count: not a number");
  const date = (name: string) => (typeof item[name] === "string" ? new Date(item[name] as string) : undefined);
  const seconds = (name: string) => (typeof item[name] === "number" ? fromEpochSeconds(item[name] as number) : undefined);
  const optional = {
    lastError: item.last_error as string | undefined,
    nextRetryAt: seconds("next_retry_at"),
    deliveredAt: date("delivered_at"),
    deadAt: date("dead_at"),
    expiresAt: seconds("expires_at"),
  };
  return {
    eventId: item[KEY] as string,
    accountId: item.account_id as string,
    endpointUrl: item.endpoint_url as string,
    payload,
    status: item.status as WebhookStatus,
    attemptCount: item.attempt_count as number,
    createdAt: new Date(item.created_at as string),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

function checkLease(operation: string, lease: WebhookLease): void {
  const valid =
    typeof lease === "object" &&
    lease !== null &&
    typeof lease.eventId === "string" &&
    typeof lease.token === "string" &&
    lease.leaseExpiresAt instanceof Date &&
    typeof lease.event === "object";
  // No bare event id: only the holder of a lease records an outcome (operators use WebhookOperator).
  if (!valid) new Checks(operation).add("lease: pass a lease from webhooks.lease(); a bare event id is refused").throwIfAny();
}

/** One page of a status partition of the due index, oldest first, each item read on its own. */
async function listEvents(
  context: Context,
  operation: string,
  status: WebhookStatus,
  options: PageOptions | undefined,
  upTo: number,
): Promise<WebhookEventPage> {
  const page = await listByStatus(context, operation, status, options, upTo);
  const items: WebhookEvent[] = [];
  const malformed: { eventId: string; error: MalformedRecordError }[] = [];
  for (const item of page.items) {
    try {
      items.push(toEvent(operation, item));
    } catch (error) {
      if (!(error instanceof MalformedRecordError)) throw error;
      malformed.push({ eventId: error.key, error });
    }
  }
  return { items, cursor: page.cursor, malformed };
}

/** Lists one status partition of the due index, oldest first (stored items). */
async function listByStatus(context: Context, operation: string, status: WebhookStatus, options: PageOptions | undefined, upTo: number) {
  return context.queryPage(
    { operation, partition: [DUE.partitionKey.name, status], keyAttributes: indexKeyAttributes(TABLES.webhookEvents, DUE) },
    pageOptions(operation, options, 100),
    {
      TableName: context.tables.webhookEvents,
      IndexName: DUE.name,
      KeyConditionExpression: "#status = :status AND next_retry_at <= :up_to",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": status, ":up_to": upTo },
      ScanIndexForward: true,
    },
  );
}

export class Webhooks {
  constructor(
    private readonly context: Context,
    private readonly policy: WebhookPolicy,
  ) {}

  /** Records a new event, due for delivery now (one conditional PutItem). */
  async record(event: NewWebhookEvent): Promise<WebhookRecording> {
    const operation = "webhooks.record";
    assertObject(operation, "event", event);
    const checks = new Checks(operation)
      .text("eventId", event.eventId, { maxBytes: MAX_EVENT_ID_BYTES })
      .text("accountId", event.accountId);
    checks.text("endpointUrl", event.endpointUrl, { maxBytes: 2048 });
    if (typeof event.endpointUrl === "string" && !/^https?:\/\/[^\s/]+/.test(event.endpointUrl)) checks.add("endpointUrl: an http(s) URL");
    checks.throwIfAny();
    const item = {
      [KEY]: event.eventId,
      account_id: event.accountId,
      endpoint_url: event.endpointUrl,
      payload: jsonText(operation, "payload", event.payload),
      status: "pending",
      attempt_count: 0,
      next_retry_at: this.context.now(),
      created_at: this.context.clock().toISOString(),
    };
    assertItemFits(operation, "payload", item, MAX_WEBHOOK_EVENT_BYTES);
    const result = await this.context.conditional(operation, {
      put: { TableName: this.context.tables.webhookEvents, Item: item, ConditionExpression: `attribute_not_exists(${KEY})` },
    });
    return result.ok ? { outcome: "recorded", event: toEvent(operation, item) } : { outcome: "already_exists" };
  }

  /** Pending events due now, oldest first: one page (default 100) with a cursor. Leased events are not due. */
  async listDue(options?: PageOptions): Promise<WebhookEventPage> {
    return listEvents(this.context, "webhooks.listDue", "pending", options, this.context.now());
  }

  /**
   * Leases up to `limit` (default 10) due events to this worker: one Query for up to 3 × limit due
   * candidates, in random order (so workers polling together mostly try different events), then one
   * conditional UpdateItem per event until `limit` are leased. Never throws after the Query: a
   * retryable failure ends the batch, any other skips that event; each is reported in `attempts`.
   */
  async lease(options: { readonly limit?: number; readonly leaseSeconds?: number } = {}): Promise<LeaseBatch> {
    const operation = "webhooks.lease";
    const limit = options.limit ?? 10;
    const leaseSeconds = options.leaseSeconds ?? this.policy.leaseSeconds;
    new Checks(operation)
      .wholeNumber("limit", limit, 1, MAX_PAGE_LIMIT, "events")
      .wholeNumber("leaseSeconds", leaseSeconds, 1, MAX_WEBHOOK_POLICY_VALUE)
      .throwIfAny();
    const candidates = await listByStatus(
      this.context,
      operation,
      "pending",
      { limit: Math.max(limit, Math.min(100, limit * LEASE_CANDIDATES_PER_LEASE)) },
      this.context.now(),
    );
    const leases: WebhookLease[] = [];
    const attempts: LeaseAttempt[] = [];
    // At most 2 × limit writes: under contention a worker returns a smaller batch sooner instead
    // of paying a lost race (1 WCU each) for every candidate.
    for (const item of shuffled(candidates.items).slice(0, 2 * limit)) {
      if (leases.length === limit) break;
      const eventId = String(item[KEY]);
      try {
        const lease = await this.leaseOne(toEvent(operation, item), leaseSeconds);
        if (lease) leases.push(lease);
        attempts.push(lease ? { eventId, outcome: "leased", lease } : { eventId, outcome: "taken" });
      } catch (error) {
        if (!(error instanceof OpsDataError)) throw error;
        attempts.push({ eventId, outcome: "failed", error });
        // This item cannot be leased (unreadable, too large): try the others. A retryable error
        // (throttling) ends the batch: the next write would most likely fail too.
        if (error.retryable) break;
      }
    }
    return { leases, attempts };
  }

  /** Extends a lease to `leaseSeconds` (default the policy's) from now; refused once it expired by this worker's clock. */
  async renew(lease: WebhookLease, options: { readonly leaseSeconds?: number } = {}): Promise<WebhookRenewal> {
    const operation = "webhooks.renew";
    checkLease(operation, lease);
    const leaseSeconds = options.leaseSeconds ?? this.policy.leaseSeconds;
    new Checks(operation).wholeNumber("leaseSeconds", leaseSeconds, 1, MAX_WEBHOOK_POLICY_VALUE).throwIfAny();
    const now = this.context.now();
    if (leaseEnded(now, lease.leaseExpiresAt)) return { outcome: "lease_expired" };
    const until = now + leaseSeconds;
    const result = await this.holderWrite(operation, lease, {
      UpdateExpression: "SET next_retry_at = :hidden_until, lease_expires_at = :until",
      ExpressionAttributeValues: { ":hidden_until": until + this.context.skewSeconds, ":until": until },
    });
    if (!result.ok) return { outcome: "lease_lost" };
    const leaseExpiresAt = fromEpochSeconds(until);
    return {
      outcome: "renewed",
      lease: { ...lease, leaseExpiresAt, event: { ...lease.event, nextRetryAt: fromEpochSeconds(until + this.context.skewSeconds) } },
    };
  }

  /** Gives the event back without an attempt (e.g. the worker shuts down): due again at once, attempts unchanged. */
  async release(lease: WebhookLease): Promise<LeaseRelease> {
    const operation = "webhooks.release";
    checkLease(operation, lease);
    const now = this.context.now();
    if (leaseEnded(now, lease.leaseExpiresAt)) return { outcome: "lease_expired" };
    const result = await this.holderWrite(operation, lease, {
      UpdateExpression: "SET next_retry_at = :now REMOVE lease_token, lease_expires_at",
      ExpressionAttributeValues: { ":now": now },
    });
    return result.ok ? { outcome: "released" } : { outcome: "lease_lost" };
  }

  /** pending -> delivered: leaves the due index, expires after `retentionSeconds`. Only the lease's holder, before it expires. */
  async markDelivered(lease: WebhookLease, options: { readonly retentionSeconds: number }): Promise<DeliveryRecording> {
    const operation = "webhooks.markDelivered";
    checkLease(operation, lease);
    new Checks(operation).wholeNumber("retentionSeconds", options?.retentionSeconds, 1, MAX_RETENTION_SECONDS).throwIfAny();
    const now = this.context.now();
    if (leaseEnded(now, lease.leaseExpiresAt)) return { outcome: "lease_expired" };
    const transition = nextWebhookState(lease.event.attemptCount, "delivered", this.policy, now);
    const result = await this.holderWrite(operation, lease, {
      UpdateExpression:
        "SET #status = :delivered, attempt_count = :attempts, delivered_at = :at, expires_at = :expires " +
        "REMOVE next_retry_at, lease_token, lease_expires_at",
      ExpressionAttributeValues: {
        ":delivered": "delivered",
        ":attempts": transition.attemptCount,
        ":at": this.context.clock().toISOString(),
        ":expires": now + options.retentionSeconds,
      },
    });
    return result.ok ? { outcome: "delivered" } : { outcome: "lease_lost" };
  }

  /**
   * A failed attempt: pending again, due at `retryAt` (default: the policy's backoff), or dead once
   * `maxAttempts` attempts have failed. Only the lease's holder, before it expires.
   */
  async recordFailure(lease: WebhookLease, failure: { readonly error: string; readonly retryAt?: Date }): Promise<FailureRecording> {
    const operation = "webhooks.recordFailure";
    checkLease(operation, lease);
    assertObject(operation, "failure", failure);
    const now = this.context.now();
    const checks = new Checks(operation).text("error", failure.error, { maxBytes: 64 * 1024, illFormedAllowed: true });
    if (failure.retryAt !== undefined && checks.date("retryAt", failure.retryAt)) {
      const at = epochSeconds(failure.retryAt);
      if (at < now - this.context.skewSeconds || at > now + MAX_RETRY_DELAY_SECONDS) {
        checks.add(
          `retryAt: between now and ${MAX_RETRY_DELAY_SECONDS / 86_400} days ahead (got ${failure.retryAt.toISOString()}); ` +
            "pass a Date, e.g. new Date(Date.now() + 60_000)",
        );
      }
    }
    checks.throwIfAny();
    if (leaseEnded(now, lease.leaseExpiresAt)) return { outcome: "lease_expired" };
    const transition = nextWebhookState(lease.event.attemptCount, "failed", this.policy, now);
    const dead = transition.to === "dead";
    const nextRetryAt = transition.to === "pending" ? (failure.retryAt ? epochSeconds(failure.retryAt) : transition.nextRetryAt) : now;
    const result = await this.holderWrite(operation, lease, {
      UpdateExpression:
        `SET #status = :to, attempt_count = :attempts, last_error = :error, next_retry_at = :next${dead ? ", dead_at = :at" : ""} ` +
        "REMOVE lease_token, lease_expires_at",
      ExpressionAttributeValues: {
        ":to": transition.to,
        ":attempts": transition.attemptCount,
        // Cutting may split a surrogate pair: store what DynamoDB would make of it, explicitly.
        ":error": toWellFormed(failure.error.slice(0, MAX_LAST_ERROR_CHARACTERS)),
        ":next": nextRetryAt,
        ...(dead ? { ":at": this.context.clock().toISOString() } : {}),
      },
    });
    if (!result.ok) return { outcome: "lease_lost" };
    return dead
      ? { outcome: "dead", attemptCount: transition.attemptCount }
      : { outcome: "retry_scheduled", nextRetryAt: fromEpochSeconds(nextRetryAt), attemptCount: transition.attemptCount };
  }

  /** Leases one event, or undefined when another worker got it first. */
  private async leaseOne(event: WebhookEvent, leaseSeconds: number): Promise<WebhookLease | undefined> {
    const now = this.context.now();
    const token = randomUUID();
    const until = now + leaseSeconds;
    const hiddenUntil = until + this.context.skewSeconds;
    const result = await this.context.conditional("webhooks.lease", {
      update: {
        TableName: this.context.tables.webhookEvents,
        Key: { [KEY]: event.eventId },
        UpdateExpression: "SET next_retry_at = :hidden_until, lease_expires_at = :until, lease_token = :token",
        ConditionExpression: "#status = :pending AND next_retry_at <= :now AND attempt_count = :attempts",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":pending": "pending",
          ":now": now,
          ":attempts": event.attemptCount,
          ":hidden_until": hiddenUntil,
          ":until": until,
          ":token": token,
        },
      },
    });
    if (!result.ok) return undefined;
    return {
      eventId: event.eventId,
      token,
      leaseExpiresAt: fromEpochSeconds(until),
      event: { ...event, nextRetryAt: fromEpochSeconds(hiddenUntil) },
    };
  }

  private holderWrite(
    operation: string,
    lease: WebhookLease,
    update: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> },
  ) {
    return this.context.conditional(operation, {
      update: {
        TableName: this.context.tables.webhookEvents,
        Key: { [KEY]: lease.eventId },
        UpdateExpression: update.UpdateExpression,
        // The token fences every change: after another worker leased the event, this token matches nothing.
        ConditionExpression: "#status = :pending AND lease_token = :token",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":pending": "pending", ":token": lease.token, ...update.ExpressionAttributeValues },
      },
    });
  }
}

/** The operator's path, separate from the workers': dead events only, by event id. */
export class WebhookOperator {
  constructor(private readonly context: Context) {}

  /** Dead events (gave up after `maxAttempts`), oldest death first; paged (default 100). */
  async listDead(options?: PageOptions): Promise<WebhookEventPage> {
    return listEvents(this.context, "webhookOperator.listDead", "dead", options, Number.MAX_SAFE_INTEGER);
  }

  /** dead -> pending, attempts reset, due now (e.g. after the endpoint was fixed). Only a dead event is requeued. */
  async requeueDead(eventId: string): Promise<Requeue> {
    const operation = "webhookOperator.requeueDead";
    new Checks(operation).text("eventId", eventId, { maxBytes: MAX_EVENT_ID_BYTES }).throwIfAny();
    const result = await this.context.conditional(operation, {
      update: {
        TableName: this.context.tables.webhookEvents,
        Key: { [KEY]: eventId },
        UpdateExpression: "SET #status = :pending, attempt_count = :zero, next_retry_at = :now REMOVE dead_at",
        ConditionExpression: "#status = :dead",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":pending": "pending", ":dead": "dead", ":zero": 0, ":now": this.context.now() },
      },
    });
    if (result.ok) return { outcome: "requeued" };
    return result.current ? { outcome: "not_dead", status: result.current.status as WebhookStatus } : { outcome: "not_found" };
  }
}

/** Fisher-Yates: a fresh array in random order. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
