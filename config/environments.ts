/**
 * The environments, as data. To change one, edit it here; `npm run synth` validates it.
 * Account ids are placeholders until each team's accounts are filled in: the provider's
 * `allowed_account_ids` makes a plan with the wrong credentials fail before it touches anything.
 */
import type { EnvironmentInput } from "./schema";

// The identity the Atlantis server runs as (in the tooling account); it assumes each environment's
// opsdata-atlantis-plan / -apply role (stacks/atlantis-roles-stack.ts).
const ATLANTIS_SERVER_ROLE = "arn:aws:iam::999999999999:role/atlantis-server";

const autoscaled = (min: number, max: number) => ({ min, max, targetUtilization: 70 });

export const ENVIRONMENTS = [
  {
    name: "dev",
    aws: { accountId: "111111111111", region: "eu-west-1" },
    state: { bucket: "opsdata-terraform-state-dev", key: "opsdata-infra/dynamodb/dev.tfstate", region: "eu-west-1" },
    tableNamePrefix: "opsdata_dev_",
    defaultTags: { project: "opsdata-infra", environment: "dev", "managed-by": "cdktf" },
    // Cheap by default: no PITR, no deletion protection, AWS-owned encryption key.
    protection: { pointInTimeRecovery: { enabled: false } },
    auditLogBreakGlassRoleArn: "arn:aws:iam::111111111111:role/opsdata-audit-break-glass",
    atlantis: { principalArn: ATLANTIS_SERVER_ROLE, externalId: "opsdata-atlantis-dev" },
    // Nobody is paged for dev; no archive of test entries.
    alarms: { enabled: false },
    tables: {
      api_keys: { capacity: { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 200, maxWriteRequestUnits: 50 } },
      idempotency_keys: { capacity: { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 100, maxWriteRequestUnits: 100 } },
      webhook_events: { capacity: { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 100, maxWriteRequestUnits: 100 } },
      audit_logs: { capacity: { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 50, maxWriteRequestUnits: 100 } },
    },
  },
  {
    name: "staging",
    aws: { accountId: "222222222222", region: "eu-west-1" },
    state: { bucket: "opsdata-terraform-state-staging", key: "opsdata-infra/dynamodb/staging.tfstate", region: "eu-west-1" },
    tableNamePrefix: "opsdata_staging_",
    defaultTags: { project: "opsdata-infra", environment: "staging", "managed-by": "cdktf" },
    protection: { pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 7 } },
    auditLogBreakGlassRoleArn: "arn:aws:iam::222222222222:role/opsdata-audit-break-glass",
    atlantis: { principalArn: ATLANTIS_SERVER_ROLE, externalId: "opsdata-atlantis-staging" },
    // Alarms with the defaults; the archive runs here first, locked for the shortest retention.
    auditArchive: { enabled: true, retentionYears: 1 },
    tables: {
      api_keys: { capacity: { mode: "PROVISIONED", read: autoscaled(5, 100), write: autoscaled(1, 20) } },
      idempotency_keys: { capacity: { mode: "PROVISIONED", read: autoscaled(2, 50), write: autoscaled(2, 50) } },
      webhook_events: { capacity: { mode: "PROVISIONED", read: autoscaled(2, 50), write: autoscaled(2, 50) } },
      audit_logs: { capacity: { mode: "PROVISIONED", read: autoscaled(1, 10), write: autoscaled(2, 50) } },
    },
  },
  {
    name: "prod",
    aws: { accountId: "333333333333", region: "eu-west-1" },
    state: { bucket: "opsdata-terraform-state-prod", key: "opsdata-infra/dynamodb/prod.tfstate", region: "eu-west-1" },
    tableNamePrefix: "opsdata_prod_",
    defaultTags: { project: "opsdata-infra", environment: "prod", "managed-by": "cdktf" },
    protection: {
      pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 35 },
      deletionProtection: true,
      preventDestroy: true,
      kmsKey: "create",
    },
    auditLogBreakGlassRoleArn: "arn:aws:iam::333333333333:role/opsdata-audit-break-glass",
    atlantis: { principalArn: ATLANTIS_SERVER_ROLE, externalId: "opsdata-atlantis-prod" },
    contributorInsights: { enabled: true, mode: "THROTTLED_KEYS" },
    // Compliance keeps audit entries seven years.
    auditArchive: { enabled: true, retentionYears: 7 },
    tables: {
      // Every request authenticates: reads dominate.
      api_keys: { capacity: { mode: "PROVISIONED", read: autoscaled(50, 4000), write: autoscaled(5, 200) } },
      idempotency_keys: { capacity: { mode: "PROVISIONED", read: autoscaled(25, 2000), write: autoscaled(25, 2000) } },
      webhook_events: { capacity: { mode: "PROVISIONED", read: autoscaled(10, 1000), write: autoscaled(10, 1000) } },
      // Write-mostly: compliance reports read rarely.
      audit_logs: { capacity: { mode: "PROVISIONED", read: autoscaled(5, 200), write: autoscaled(25, 3000) } },
    },
  },
] satisfies EnvironmentInput[];
