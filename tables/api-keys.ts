import type { TableDefinition } from "./table-definition";

/** Authenticates API requests: one item per API key, addressed by the key's hash. */
export const apiKeys = {
  id: "api_keys",
  description: "API keys, looked up by hash on every request",
  partitionKey: { name: "api_key_hash", type: "S" },
  timeToLiveAttribute: "expires_at",
  globalIndexes: [
    {
      name: "account_id-created_at-index",
      partitionKey: { name: "account_id", type: "S" },
      // ISO-8601 UTC strings sort chronologically, so ScanIndexForward=false lists newest first.
      sortKey: { name: "created_at", type: "S" },
      // Key records are small and listed rarely: projecting everything saves a GetItem per key.
      projection: { type: "ALL" },
      servesPattern: "list an account's keys, newest first",
    },
  ],
} as const satisfies TableDefinition;
