import type { TableDefinition } from "./table-definition";

/**
 * Webhook deliveries and their retries. The retry index is sparse: `next_retry_at` is removed once
 * an event is delivered (or gives up), so only events still due for delivery stay in the index and
 * the few `status` partitions stay small.
 */
export const webhookEvents = {
  id: "webhook_events",
  description: "Webhook events with delivery status, attempts and next retry time",
  partitionKey: { name: "event_id", type: "S" },
  timeToLiveAttribute: "expires_at",
  globalIndexes: [
    {
      name: "status-next_retry_at-index",
      partitionKey: { name: "status", type: "S" },
      // Epoch seconds, so `next_retry_at <= :now` is a numeric range and results come oldest first.
      sortKey: { name: "next_retry_at", type: "N" },
      // The index holds only pending events (sparse); projecting all saves a GetItem per retry.
      projection: { type: "ALL" },
      servesPattern: "find events due for retry, oldest first",
    },
  ],
} as const satisfies TableDefinition;
