/**
 * audit_logs: append-only entries (validated before the write) and complete, explicitly paged
 * trails by account or by actor.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "./context";
import { INDEXES } from "./context";
import { ConflictError, ValidationError } from "./errors";
import { assertItemFits } from "./item-size";
import { epochSeconds } from "./keys";
import { pageOptions, type Page, type PageOptions } from "./paging";

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

export type AuditEntryInput = Omit<AuditEntry, "occurred_at_id" | "expires_at"> & {
  /** @default now */
  occurredAt?: Date;
  /** How long the entry is kept (TTL), in seconds. */
  retentionSeconds: number;
};

/** What the actor index projects (INCLUDE action, resource_type, resource_id, expires_at). */
export type ActorAuditEntry = Omit<AuditEntry, "details">;

const REQUIRED_TEXT = ["account_id", "actor_id", "action", "resource_type", "resource_id"] as const;
const DEFAULT_TRAIL_PAGE = 1000;

/** Every problem with an entry, by field; empty when it can be written. */
export function auditEntryProblems(entry: AuditEntryInput): string[] {
  const problems: string[] = [];
  for (const field of REQUIRED_TEXT) {
    const value = (entry as unknown as Record<string, unknown>)[field];
    if (typeof value !== "string" || value.trim() === "") problems.push(`${field}: required, a non-empty string`);
  }
  if (!Number.isInteger(entry.retentionSeconds) || entry.retentionSeconds < 1) {
    problems.push(`retentionSeconds: a whole number of seconds >= 1 (got ${String(entry.retentionSeconds)})`);
  }
  if (entry.occurredAt !== undefined && !(entry.occurredAt instanceof Date && !Number.isNaN(entry.occurredAt.getTime()))) {
    problems.push("occurredAt: a valid Date");
  }
  if (entry.details !== undefined && (typeof entry.details !== "object" || entry.details === null || Array.isArray(entry.details))) {
    problems.push("details: an object");
  }
  return problems;
}

export class AuditTrail {
  constructor(private readonly context: Context) {}

  /** Appends an entry; never overwrites (and the table's resource policy forbids updates and deletes). */
  async append(entry: AuditEntryInput): Promise<AuditEntry> {
    const problems = auditEntryProblems(entry);
    if (problems.length > 0) throw new ValidationError("audit entry", problems);
    const { occurredAt = this.context.clock(), retentionSeconds, ...fields } = entry;
    const item: AuditEntry = {
      ...fields,
      occurred_at_id: `${occurredAt.toISOString()}#${randomUUID()}`,
      expires_at: epochSeconds(occurredAt) + retentionSeconds,
    };
    const table = this.context.tables.auditLogs;
    assertItemFits(table, "details", { ...item });
    const result = await this.context.conditional(
      "audit_logs: append entry",
      { put: { TableName: table, Item: item, ConditionExpression: "attribute_not_exists(account_id)" } },
      "details",
    );
    if (!result.ok) throw new ConflictError(`${table}: entry ${item.occurred_at_id} already exists; nothing was overwritten`);
    return item;
  }

  /** An account's entries between two instants (inclusive), oldest first: one page (default 1000) with a cursor. */
  async accountTrail(accountId: string, from: Date, to: Date, options?: number | PageOptions): Promise<Page<AuditEntry>> {
    return this.context.queryPage<AuditEntry>(
      "audit_logs: account trail by time range",
      ["account_id", accountId],
      pageOptions(options, DEFAULT_TRAIL_PAGE),
      {
        TableName: this.context.tables.auditLogs,
        KeyConditionExpression: "account_id = :key AND occurred_at_id BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":key": accountId, ...timeRange(from, to) },
      },
    );
  }

  /** What one actor did between two instants, oldest first (action and resource only): one page with a cursor. */
  async actorTrail(actorId: string, from: Date, to: Date, options?: number | PageOptions): Promise<Page<ActorAuditEntry>> {
    return this.context.queryPage<ActorAuditEntry>(
      "audit_logs: actor trail by time range (GSI)",
      ["actor_id", actorId],
      pageOptions(options, DEFAULT_TRAIL_PAGE),
      {
        TableName: this.context.tables.auditLogs,
        IndexName: INDEXES.auditLogsByActor,
        KeyConditionExpression: "actor_id = :key AND occurred_at_id BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":key": actorId, ...timeRange(from, to) },
      },
    );
  }
}

/** BETWEEN bounds on "<ISO time>#<uuid>" keys covering every entry from `from` to `to` inclusive. */
function timeRange(from: Date, to: Date) {
  return { ":from": from.toISOString(), ":to": `${to.toISOString()}#\uffff` };
}
