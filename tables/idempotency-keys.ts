import type { TableDefinition } from "./table-definition";

/** Claims of idempotency keys: the first conditional PutItem wins, duplicates are rejected. */
export const idempotencyKeys = {
  id: "idempotency_keys",
  description: "Idempotency keys claimed with a conditional PutItem, expiring after the window",
  // Services namespace the client's key by account ("<account_id>#<key>") so accounts never collide.
  partitionKey: { name: "idempotency_key", type: "S" },
  timeToLiveAttribute: "expires_at",
  globalIndexes: [
    {
      name: "account_id-created_at-index",
      partitionKey: { name: "account_id", type: "S" },
      sortKey: { name: "created_at", type: "S" },
      // Stored responses can be large; the listing needs only status and origin.
      projection: { type: "INCLUDE", nonKeyAttributes: ["status", "service", "expires_at"] },
      servesPattern: "list one account's recent requests across services",
    },
  ],
} as const satisfies TableDefinition;
