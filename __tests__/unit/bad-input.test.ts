/**
 * Every invalid configuration is rejected by synth with a message naming the environment, the
 * table and the field, and leaves no cdktf.out behind.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesize } from "../../stacks/app";
import { validateEnvironments } from "../../config/validate";
import { expectSynthRefuses, shippedEnvironments, shippedLock, type Environments } from "../helpers/bad-config";

/** GIVEN the shipped environments with one mistake, WHEN synthesized, THEN it fails naming the field. */
const CASES: Array<[string, (environments: Environments) => void, RegExp]> = [
  [
    "a one-deploy flag of earlier versions, and a misspelt field beside it",
    (e) => {
      Object.assign(e.prod.tables.webhook_events, { applyIndexChanges: true, adoptExsting: {} });
    },
    /prod\.tables\.webhook_events: applyIndexChanges: no longer set here; `npm run schema:accept` records a pending GSI change or switch to PROVISIONED in schema\.lock\.json \(docs\/guards\.md\)\. Remove it; also unknown field\(s\) adoptExsting: remove them/,
  ],
  [
    "capacity below 1",
    (e) => {
      e.staging.tables.api_keys.capacity.read.min = 0;
    },
    /staging\.tables\.api_keys\.capacity\.read\.min: must be at least 1/,
  ],
  [
    "min above max",
    (e) => {
      e.staging.tables.idempotency_keys.capacity.write.min = 60;
    },
    /staging\.tables\.idempotency_keys\.capacity\.write\.min: min \(60\) is above max \(50\); lower min or raise max/,
  ],
  [
    "max above 40000",
    (e) => {
      e.prod.tables.api_keys.capacity.read.max = 50_000;
    },
    /prod\.tables\.api_keys\.capacity\.read\.max: must be at most 40000/,
  ],
  [
    "target utilization above 90",
    (e) => {
      e.prod.tables.webhook_events.capacity.write.targetUtilization = 95;
    },
    /prod\.tables\.webhook_events\.capacity\.write\.targetUtilization: must be between 20 and 90 percent/,
  ],
  [
    "target utilization below 20",
    (e) => {
      e.staging.tables.audit_logs.capacity.read.targetUtilization = 10;
    },
    /staging\.tables\.audit_logs\.capacity\.read\.targetUtilization: must be between 20 and 90 percent/,
  ],
  [
    "negative cooldown",
    (e) => {
      e.prod.tables.audit_logs.capacity.write.scaleInCooldownSeconds = -5;
    },
    /prod\.tables\.audit_logs\.capacity\.write\.scaleInCooldownSeconds: must not be negative/,
  ],
  [
    "capacity set on an on-demand table",
    (e) => {
      e.dev.tables.api_keys.capacity.read = { min: 1, max: 5, targetUtilization: 70 };
    },
    /dev\.tables\.api_keys\.capacity: read: provisioned capacity is not allowed on a PAY_PER_REQUEST table/,
  ],
  [
    "caps on a provisioned table",
    (e) => {
      e.prod.tables.webhook_events.capacity.maxReadRequestUnits = 100;
    },
    /prod\.tables\.webhook_events\.capacity: maxReadRequestUnits: on-demand caps are not allowed on a PROVISIONED table/,
  ],
  [
    "only one on-demand cap",
    (e) => {
      delete e.dev.tables.audit_logs.capacity.maxWriteRequestUnits;
    },
    /dev\.tables\.audit_logs\.capacity\.maxWriteRequestUnits: required: on-demand tables need both/,
  ],
  [
    "unknown billing mode",
    (e) => {
      e.dev.tables.webhook_events.capacity.mode = "ON_DEMAND";
    },
    /dev\.tables\.webhook_events\.capacity\.mode: mode must be "PAY_PER_REQUEST"/,
  ],
  [
    "unknown environment",
    (e) => {
      e.staging.name = "stagign";
    },
    // The list grows when an environment is added (docs/recipes.md): only its ends are pinned.
    /stagign\.name: must be one of dev, .*staging, prod$/m,
  ],
  [
    "missing region",
    (e) => {
      delete e.staging.aws.region;
    },
    /staging\.aws\.region: required: an AWS region/,
  ],
  [
    "missing account",
    (e) => {
      delete e.prod.aws.accountId;
    },
    /prod\.aws\.accountId: required: the 12-digit AWS account id/,
  ],
  [
    "malformed account",
    (e) => {
      e.dev.aws.accountId = "1234";
    },
    /dev\.aws\.accountId: must be a 12-digit AWS account id/,
  ],
  [
    "two environments sharing a state object",
    (e) => {
      e.staging.state = { ...e.dev.state };
    },
    /staging\.state\.key: s3:\/\/opsdata-terraform-state-dev\/opsdata-infra\/dynamodb\/dev\.tfstate is already the state of dev/,
  ],
  [
    "state key that is not a .tfstate object",
    (e) => {
      e.dev.state.key = "dev/";
    },
    /dev\.state\.key: must be an S3 key ending in "\.tfstate"/,
  ],
  [
    "PITR period of 0 days",
    (e) => {
      e.staging.protection.pointInTimeRecovery.recoveryPeriodInDays = 0;
    },
    /staging\.protection\.pointInTimeRecovery\.recoveryPeriodInDays: must be between 1 and 35 days/,
  ],
  [
    "PITR period of 36 days",
    (e) => {
      e.prod.protection.pointInTimeRecovery.recoveryPeriodInDays = 36;
    },
    /prod\.protection\.pointInTimeRecovery\.recoveryPeriodInDays: must be between 1 and 35 days/,
  ],
  [
    "prod without deletion protection",
    (e) => {
      e.prod.protection.deletionProtection = false;
    },
    /prod\.protection\.deletionProtection: is required in prod/,
  ],
  [
    "prod without prevent_destroy",
    (e) => {
      delete e.prod.protection.preventDestroy;
    },
    /prod\.protection\.preventDestroy: is required in prod/,
  ],
  [
    "prod without point-in-time recovery",
    (e) => {
      e.prod.protection.pointInTimeRecovery.enabled = false;
    },
    /prod\.protection\.pointInTimeRecovery\.enabled: is required in prod/,
  ],
  [
    "prod without a customer-managed key",
    (e) => {
      delete e.prod.protection.kmsKey;
    },
    /prod\.protection\.kmsKey: is required in prod/,
  ],
  [
    "KMS key from an undeclared remote state",
    (e) => {
      e.staging.protection.kmsKey = { remoteState: "platform", output: "kms_key_arn" };
    },
    /staging\.protection\.kmsKey\.remoteState: "platform" is not declared in remoteStates/,
  ],
  [
    "override for an index the table does not have",
    (e) => {
      e.staging.tables.api_keys.capacity.indexes = {
        "by-email": { read: { min: 1, max: 2, targetUtilization: 70 }, write: { min: 1, max: 2, targetUtilization: 70 } },
      };
    },
    /staging\.tables\.api_keys\.capacity\.indexes\.by-email: no index named "by-email" on api_keys/,
  ],
  [
    "unknown table",
    (e) => {
      e.dev.tables.sessions = e.dev.tables.api_keys;
    },
    /dev\.tables: unknown table\(s\) sessions/,
  ],
  [
    "missing table",
    (e) => {
      delete e.dev.tables.audit_logs;
    },
    /dev\.tables\.audit_logs: required: every environment configures all of/,
  ],
  [
    "table name prefix with invalid characters",
    (e) => {
      e.dev.tableNamePrefix = "ops data ";
    },
    /dev\.tableNamePrefix: may only contain letters, digits/,
  ],
  [
    "table name longer than 255 characters",
    (e) => {
      e.dev.tableNamePrefix = "p".repeat(250);
    },
    /dev\.tableNamePrefix: makes table name "p+api_keys", which is not \[a-zA-Z0-9_.-\]\{3,255\}/,
  ],
  [
    "same tables in the same account and region",
    (e) => {
      e.staging.aws = { ...e.dev.aws };
      e.staging.tableNamePrefix = e.dev.tableNamePrefix;
    },
    /staging\.tableNamePrefix: "opsdata_dev_" in the same account and region as dev would create the same tables/,
  ],
  [
    "break-glass role that is not a role ARN",
    (e) => {
      e.prod.auditLogBreakGlassRoleArn = "admin";
    },
    /prod\.auditLogBreakGlassRoleArn: must be an IAM role ARN/,
  ],
  [
    "environment defined twice",
    (e) => {
      e.staging.name = "dev";
      e.staging.state.key = "x/dev2.tfstate";
      e.staging.tableNamePrefix = "x_";
    },
    /dev\.name: defined twice/,
  ],
];

describe("bad input is rejected at synth, naming the field, writing nothing", () => {
  const scratch = mkdtempSync(join(tmpdir(), "bad-input-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test.each(CASES)("%s", (_name, breakIt, message) => {
    const environments = shippedEnvironments();
    breakIt(environments);
    expectSynthRefuses(environments, message);
  });

  test("the shipped configuration itself synthesizes (control)", () => {
    const outdir = join(scratch, "shipped.out");
    const stacks = synthesize({ environments: Object.values(shippedEnvironments()), lock: shippedLock, outdir });
    expect(stacks.map((s) => s.stack)).toEqual([
      "dynamodb-dev",
      "atlantis-roles-dev",
      "dynamodb-staging",
      "atlantis-roles-staging",
      "dynamodb-prod",
      "atlantis-roles-prod",
    ]);
    for (const { directory } of stacks) expect(existsSync(join(directory, "cdk.tf.json"))).toBe(true);
  });

  test("all problems are reported at once", () => {
    const environments = shippedEnvironments() as Environments;
    environments.dev.aws.accountId = "x";
    environments.prod.protection.deletionProtection = false;
    expect(() => validateEnvironments(Object.values(environments))).toThrow(
      /dev\.aws\.accountId: must be a 12-digit[\s\S]*prod\.protection\.deletionProtection: is required in prod/,
    );
  });
});
