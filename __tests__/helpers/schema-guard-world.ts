/**
 * A small world for the schema guard's tests: two tables and three environments of their own, so
 * that a legitimate change to the shipped tables or config (an index added and accepted, as the
 * guard asks) never turns these tests red. Each value is written out here, not read from tables/
 * or config/.
 */
import type { EnvironmentName } from "../../config/environment-bounds";
import type { TableSettings } from "../../config/schema";
import type { GuardedEnvironment } from "../../guards/schema-lock";
import type { GlobalIndexDefinition, TableDefinition } from "../../tables";

/** On-demand in dev, autoscaled in staging and prod; one GSI with a Number sort key. */
export const ORDERS: TableDefinition = {
  id: "orders",
  description: "test table",
  partitionKey: { name: "order_id", type: "S" },
  timeToLiveAttribute: "expires_at",
  globalIndexes: [
    {
      name: "status-due_at-index",
      partitionKey: { name: "status", type: "S" },
      sortKey: { name: "due_at", type: "N" },
      projection: { type: "KEYS_ONLY" },
      servesPattern: "test",
    },
  ],
};

/** Append-only, streamed, Standard-IA, with an INCLUDE index. */
export const LEDGER: TableDefinition = {
  id: "ledger",
  description: "test table",
  partitionKey: { name: "account_id", type: "S" },
  sortKey: { name: "entry_id", type: "S" },
  timeToLiveAttribute: "expires_at",
  globalIndexes: [
    {
      name: "actor-index",
      partitionKey: { name: "actor_id", type: "S" },
      sortKey: { name: "entry_id", type: "S" },
      projection: { type: "INCLUDE", nonKeyAttributes: ["action"] },
      servesPattern: "test",
    },
  ],
  appendOnly: true,
  stream: "NEW_IMAGE",
  tableClass: "STANDARD_INFREQUENT_ACCESS",
};

export const DEFINITIONS: readonly TableDefinition[] = [ORDERS, LEDGER];

/** The definitions with one table changed. */
export const withTable = (id: string, change: (table: TableDefinition) => TableDefinition) =>
  DEFINITIONS.map((table) => (table.id === id ? change(table) : table));

export const extraIndex = (name = "owner-index"): GlobalIndexDefinition => ({
  name,
  partitionKey: { name: "owner_id", type: "S" },
  projection: { type: "KEYS_ONLY" },
  servesPattern: "test",
});

export const onDemand = (): TableSettings => ({
  capacity: { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 10, maxWriteRequestUnits: 10, indexes: {} },
});

const range = { min: 1, max: 10, targetUtilization: 70, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 };
export const autoscaled = (): TableSettings => ({
  capacity: { mode: "PROVISIONED", read: { ...range }, write: { ...range }, indexes: {} },
});

/** A mutable GuardedEnvironment, for tests to change one thing. */
export interface SmallEnvironment {
  name: EnvironmentName;
  tableNamePrefix: string;
  protection: {
    pointInTimeRecovery: { enabled: boolean; recoveryPeriodInDays: number };
    kmsKey?: GuardedEnvironment["protection"]["kmsKey"];
  };
  tables: Record<string, TableSettings>;
}
export type SmallEnvironments = Record<EnvironmentName, SmallEnvironment>;

/** dev: on demand, no PITR, AWS-owned key; staging: autoscaled, PITR 7 days; prod: autoscaled, PITR 35 days, a created key. */
export function smallEnvironments(): SmallEnvironments {
  return {
    dev: {
      name: "dev",
      tableNamePrefix: "t_dev_",
      protection: { pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: 35 } },
      tables: { orders: onDemand(), ledger: onDemand() },
    },
    staging: {
      name: "staging",
      tableNamePrefix: "t_staging_",
      protection: { pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 7 } },
      tables: { orders: autoscaled(), ledger: autoscaled() },
    },
    prod: {
      name: "prod",
      tableNamePrefix: "t_prod_",
      protection: { pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 35 }, kmsKey: "create" },
      tables: { orders: autoscaled(), ledger: autoscaled() },
    },
  };
}

/** The environments present, in dev, staging, prod order (a test may delete one). */
export const listOf = (environments: Partial<SmallEnvironments>): SmallEnvironment[] =>
  (["dev", "staging", "prod"] as const).flatMap((name) => (environments[name] ? [environments[name]] : []));
