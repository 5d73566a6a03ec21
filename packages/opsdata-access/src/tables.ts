/**
 * The table contract the library reads: table ids, key, index and TTL attribute names, straight
 * from the repository's plain-data definitions (tables/, compiled into this package at build time:
 * one source for the infrastructure and the library).
 */
import { apiKeys } from "../../../tables/api-keys";
import { auditLogs } from "../../../tables/audit-logs";
import { idempotencyKeys } from "../../../tables/idempotency-keys";
import { webhookEvents } from "../../../tables/webhook-events";
import { ValidationError } from "./errors";

export const TABLES = { apiKeys, idempotencyKeys, webhookEvents, auditLogs } as const;

/** Physical table names, e.g. from the stack outputs `<table>_table_name`. */
export interface TableNames {
  readonly apiKeys: string;
  readonly idempotencyKeys: string;
  readonly webhookEvents: string;
  readonly auditLogs: string;
}

/** The environment's table names from its prefix, e.g. `tableNamesWithPrefix("opsdata_prod_")`. */
export function tableNamesWithPrefix(prefix: string): TableNames {
  if (typeof prefix !== "string" || !/^[a-zA-Z0-9_.-]*$/.test(prefix)) {
    throw new ValidationError("tableNamesWithPrefix", [`prefix: letters, digits, "_", "-" or "." (got ${JSON.stringify(prefix)})`]);
  }
  return {
    apiKeys: `${prefix}${apiKeys.id}`,
    idempotencyKeys: `${prefix}${idempotencyKeys.id}`,
    webhookEvents: `${prefix}${webhookEvents.id}`,
    auditLogs: `${prefix}${auditLogs.id}`,
  };
}

export const INDEXES = {
  apiKeysByAccount: apiKeys.globalIndexes[0],
  idempotencyKeysByAccount: idempotencyKeys.globalIndexes[0],
  webhookEventsDue: webhookEvents.globalIndexes[0],
  auditLogsByActor: auditLogs.globalIndexes[0],
} as const;

/** The attributes of a LastEvaluatedKey from a query on an index: the table's keys and the index's. */
export function indexKeyAttributes(
  table: { partitionKey: { name: string }; sortKey?: { name: string } },
  index: { partitionKey: { name: string }; sortKey?: { name: string } },
): string[] {
  return [table.partitionKey.name, table.sortKey?.name, index.partitionKey.name, index.sortKey?.name].filter(
    (name): name is string => name !== undefined,
  );
}
