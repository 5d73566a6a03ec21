import { apiKeys } from "./api-keys";
import { auditLogs } from "./audit-logs";
import { idempotencyKeys } from "./idempotency-keys";
import { webhookEvents } from "./webhook-events";

export type * from "./table-definition";

/** Every table the platform owns, in the order they appear in plans and outputs. */
export const TABLE_DEFINITIONS = [apiKeys, idempotencyKeys, webhookEvents, auditLogs] as const;

export type TableId = (typeof TABLE_DEFINITIONS)[number]["id"];
export const TABLE_IDS = TABLE_DEFINITIONS.map((table) => table.id) as readonly TableId[];
