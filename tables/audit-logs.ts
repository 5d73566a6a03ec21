import type { TableDefinition } from "./table-definition";

/** Append-only compliance trail of system and admin actions. */
export const auditLogs = {
  id: "audit_logs",
  description: "Immutable audit trail per account, streamed for archiving before TTL expiry",
  partitionKey: { name: "account_id", type: "S" },
  // "<ISO-8601 UTC time>#<unique suffix>": time-ordered, unique, and BETWEEN-able by time prefix.
  sortKey: { name: "occurred_at_id", type: "S" },
  timeToLiveAttribute: "expires_at",
  globalIndexes: [
    {
      name: "actor_id-occurred_at_id-index",
      partitionKey: { name: "actor_id", type: "S" },
      sortKey: { name: "occurred_at_id", type: "S" },
      // Read rarely: carry what a reviewer scans for (and expires_at, which readers filter on), not the details.
      projection: { type: "INCLUDE", nonKeyAttributes: ["action", "resource_type", "resource_id", "expires_at"] },
      servesPattern: "everything one actor did in a time range",
    },
  ],
  appendOnly: true,
  // NEW_IMAGE: every entry is streamed so it can be archived before TTL removes it.
  stream: "NEW_IMAGE",
  // Write-mostly, read rarely, kept for the whole retention period: storage dominates the bill, and
  // Standard-IA stores for ~60% less at ~25% more per request.
  tableClass: "STANDARD_INFREQUENT_ACCESS",
} as const satisfies TableDefinition;
