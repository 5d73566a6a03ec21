/**
 * audit_logs: append-only entries (validated before the write; a conditional PutItem that never
 * overwrites) and complete, explicitly paged trails by account or by actor.
 */
import { randomUUID } from "node:crypto";
import { Checks, MAX_RETENTION_SECONDS, assertObject } from "./checks";
import type { Context } from "./context";
import { assertItemFits } from "./item-size";
import { jsonValue, sortedJson } from "./json-value";
import { pageOptions, type Page, type PageOptions } from "./paging";
import { INDEXES, TABLES, indexKeyAttributes } from "./tables";
import { epochSeconds, fromEpochSeconds } from "./time";

export interface AuditEntry {
  readonly accountId: string;
  /** Unique within the instant; with `occurredAt` it identifies the entry. */
  readonly entryId: string;
  readonly occurredAt: Date;
  readonly actorId: string;
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string;
  /** The details' JSON form. */
  readonly details?: unknown;
  readonly expiresAt: Date;
}

export interface NewAuditEntry {
  readonly accountId: string;
  readonly actorId: string;
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string;
  /** A JSON object. @default none */
  readonly details?: Record<string, unknown>;
  /** @default now */
  readonly occurredAt?: Date;
  /**
   * Makes the append safe to retry: the same `occurredAt` and `entryId` are written once; the retry
   * gets `already_recorded` (`conflict` if the stored entry differs). @default a random UUID (every call a new entry)
   */
  readonly entryId?: string;
  /** How long the entry is kept (TTL) from `occurredAt`, in seconds. */
  readonly retentionSeconds: number;
}

/** What the actor index projects (INCLUDE action, resource_type, resource_id, expires_at): no details. */
export type ActorAuditEntry = Omit<AuditEntry, "details">;

export type AuditAppend =
  | { readonly outcome: "appended"; readonly entry: AuditEntry }
  /** The same entry (same occurredAt, entryId and body) was appended before: a retry. */
  | { readonly outcome: "already_recorded" }
  /** Another entry holds this occurredAt and entryId: nothing written; `entry` is the stored one. */
  | { readonly outcome: "conflict"; readonly entry: AuditEntry };

export interface TrailOptions extends PageOptions {
  /** First instant, inclusive. */
  readonly from: Date;
  /** Last instant, inclusive. */
  readonly to: Date;
}

const DEFAULT_TRAIL_PAGE = 1000;
const SORT = TABLES.auditLogs.sortKey.name;
const ACTOR = INDEXES.auditLogsByActor;

function toEntry(item: Record<string, unknown>): AuditEntry {
  const sortKey = item[SORT] as string;
  const separator = sortKey.indexOf("#");
  return {
    accountId: item.account_id as string,
    entryId: sortKey.slice(separator + 1),
    occurredAt: new Date(sortKey.slice(0, separator)),
    actorId: item.actor_id as string,
    action: item.action as string,
    resourceType: item.resource_type as string,
    resourceId: item.resource_id as string,
    ...(item.details !== undefined ? { details: item.details } : {}),
    expiresAt: fromEpochSeconds(item.expires_at as number),
  };
}

export class AuditTrail {
  constructor(private readonly context: Context) {}

  /** Appends an entry; never overwrites (and the table's resource policy forbids updates and deletes). */
  async append(entry: NewAuditEntry): Promise<AuditAppend> {
    const operation = "audit.append";
    assertObject(operation, "entry", entry);
    const checks = new Checks(operation);
    for (const field of ["accountId", "actorId", "action", "resourceType", "resourceId"] as const) checks.text(field, entry[field]);
    checks.wholeNumber("retentionSeconds", entry.retentionSeconds, 1, MAX_RETENTION_SECONDS);
    if (entry.entryId !== undefined) checks.text("entryId", entry.entryId, { maxBytes: 128 });
    const occurredAt = entry.occurredAt ?? this.context.clock();
    const now = this.context.now();
    if (checks.date("occurredAt", occurredAt)) {
      if (epochSeconds(occurredAt) > now + this.context.skewSeconds) checks.add(`occurredAt: in the future (${occurredAt.toISOString()})`);
      if (Number.isInteger(entry.retentionSeconds) && epochSeconds(occurredAt) + entry.retentionSeconds <= now) {
        checks.add(`retentionSeconds: the entry (occurredAt ${occurredAt.toISOString()}) would already be past its retention`);
      }
    }
    if (entry.details !== undefined && (typeof entry.details !== "object" || entry.details === null || Array.isArray(entry.details))) {
      checks.add("details: a JSON object");
    }
    checks.throwIfAny();
    const item = {
      account_id: entry.accountId,
      [SORT]: `${occurredAt.toISOString()}#${entry.entryId ?? randomUUID()}`,
      actor_id: entry.actorId,
      action: entry.action,
      resource_type: entry.resourceType,
      resource_id: entry.resourceId,
      ...(entry.details !== undefined ? { details: jsonValue(operation, "details", entry.details) } : {}),
      expires_at: epochSeconds(occurredAt) + entry.retentionSeconds,
    };
    assertItemFits(operation, "details", item);
    const result = await this.context.conditional(operation, {
      put: { TableName: this.context.tables.auditLogs, Item: item, ConditionExpression: "attribute_not_exists(account_id)" },
    });
    if (result.ok) return { outcome: "appended", entry: toEntry(item) };
    // A retry stores the same body; anything else under the same id is another entry, and must not pass as recorded.
    if (result.current && sortedJson(result.current) !== sortedJson(item)) return { outcome: "conflict", entry: toEntry(result.current) };
    return { outcome: "already_recorded" };
  }

  /** An account's entries from `from` to `to` (inclusive), oldest first: one page (default 1000) with a cursor. */
  async accountTrail(accountId: string, options: TrailOptions): Promise<Page<AuditEntry>> {
    const operation = "audit.accountTrail";
    const range = this.range(operation, "accountId", accountId, options);
    const page = await this.context.queryPage(
      {
        operation,
        partition: ["account_id", accountId],
        keyAttributes: indexKeyAttributes(TABLES.auditLogs, TABLES.auditLogs),
        range: [range[":from"], range[":to"]],
      },
      pageOptions(operation, options, DEFAULT_TRAIL_PAGE),
      {
        TableName: this.context.tables.auditLogs,
        KeyConditionExpression: `account_id = :key AND ${SORT} BETWEEN :from AND :to`,
        ExpressionAttributeValues: { ":key": accountId, ...range },
      },
    );
    return { items: page.items.map(toEntry), cursor: page.cursor };
  }

  /** What one actor did from `from` to `to` (inclusive), oldest first, without details: one page (default 1000) with a cursor. */
  async actorTrail(actorId: string, options: TrailOptions): Promise<Page<ActorAuditEntry>> {
    const operation = "audit.actorTrail";
    const range = this.range(operation, "actorId", actorId, options);
    const page = await this.context.queryPage(
      {
        operation,
        partition: [ACTOR.partitionKey.name, actorId],
        keyAttributes: indexKeyAttributes(TABLES.auditLogs, ACTOR),
        range: [range[":from"], range[":to"]],
      },
      pageOptions(operation, options, DEFAULT_TRAIL_PAGE),
      {
        TableName: this.context.tables.auditLogs,
        IndexName: ACTOR.name,
        KeyConditionExpression: `${ACTOR.partitionKey.name} = :key AND ${SORT} BETWEEN :from AND :to`,
        ExpressionAttributeValues: { ":key": actorId, ...range },
      },
    );
    return { items: page.items.map(toEntry), cursor: page.cursor };
  }

  /** BETWEEN bounds on "<ISO time>#<entry id>" keys covering every entry from `from` to `to` inclusive. */
  private range(operation: string, field: string, value: string, options: TrailOptions) {
    assertObject(operation, "options", options);
    const checks = new Checks(operation).text(field, value);
    const datesValid = [checks.date("from", options.from), checks.date("to", options.to)].every(Boolean);
    if (datesValid && options.from.getTime() > options.to.getTime()) {
      checks.add(`from: after to (${options.from.toISOString()} > ${options.to.toISOString()})`);
    }
    checks.throwIfAny();
    return { ":from": options.from.toISOString(), ":to": `${options.to.toISOString()}#\uffff` };
  }
}
