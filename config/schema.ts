/**
 * The schema of an environment's configuration. Everything a user can get wrong is checked here,
 * before any construct exists, and every message names the environment, the field and the fix.
 */
import { z } from "zod";
import { DYNAMODB_NAME_PATTERN } from "../tables/limits";
import { TABLE_DEFINITIONS, TABLE_IDS, type TableId } from "../tables";
import {
  DEFAULT_SCALE_IN_COOLDOWN_SECONDS,
  DEFAULT_SCALE_OUT_COOLDOWN_SECONDS,
  ENVIRONMENT_NAMES,
  MAX_CAPACITY_UNITS,
  MAX_COOLDOWN_SECONDS,
  MAX_PITR_RECOVERY_DAYS,
  MAX_TARGET_UTILIZATION,
  MIN_CAPACITY_UNITS,
  MIN_PITR_RECOVERY_DAYS,
  MIN_TARGET_UTILIZATION,
} from "./limits";
import { alarmsSchema, auditArchiveSchema, checkOperations, contributorInsightsSchema } from "./operations";
import { createdOrGiven } from "./references";

const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
const S3_BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IAM_ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-zA-Z0-9-]+$/;

const region = z
  .string({ error: 'required: an AWS region such as "eu-west-1"' })
  .regex(AWS_REGION_PATTERN, 'must be an AWS region such as "eu-west-1"');

const capacityUnits = z
  .number({ error: "required: a whole number of capacity units" })
  .int("must be a whole number of capacity units")
  .min(MIN_CAPACITY_UNITS, `must be at least ${MIN_CAPACITY_UNITS}; raise it`)
  .max(MAX_CAPACITY_UNITS, `must be at most ${MAX_CAPACITY_UNITS} (the default per-table quota); lower it`);

const cooldownSeconds = (defaultSeconds: number) =>
  z
    .number()
    .int("must be whole seconds")
    .min(0, "must not be negative; use 0 for no cooldown")
    .max(MAX_COOLDOWN_SECONDS, `must be at most ${MAX_COOLDOWN_SECONDS} seconds`)
    .default(defaultSeconds);

/** Application Auto Scaling bounds and target for one dimension (read or write). */
const scalingRange = z
  .strictObject({
    /** Lowest capacity the autoscaler may set; also the capacity the table is created with. */
    min: capacityUnits,
    /** Highest capacity the autoscaler may set: the cost ceiling. */
    max: capacityUnits,
    /** Consumed/provisioned percentage the autoscaler keeps capacity at. */
    targetUtilization: z
      .number({ error: "required: target utilization in percent (20-90)" })
      .min(MIN_TARGET_UTILIZATION, `must be between ${MIN_TARGET_UTILIZATION} and ${MAX_TARGET_UTILIZATION} percent`)
      .max(MAX_TARGET_UTILIZATION, `must be between ${MIN_TARGET_UTILIZATION} and ${MAX_TARGET_UTILIZATION} percent`),
    /** @default 300 */
    scaleInCooldownSeconds: cooldownSeconds(DEFAULT_SCALE_IN_COOLDOWN_SECONDS),
    /** @default 60 */
    scaleOutCooldownSeconds: cooldownSeconds(DEFAULT_SCALE_OUT_COOLDOWN_SECONDS),
  })
  .superRefine((range, ctx) => {
    if (range.min > range.max) {
      ctx.addIssue({
        code: "custom",
        path: ["min"],
        message: `min (${range.min}) is above max (${range.max}); lower min or raise max`,
      });
    }
  });

/** On-demand caps are a cost guardrail: both are required so neither side is unbounded. */
const onDemandCap = z
  .number({ error: "required: on-demand tables need both maxReadRequestUnits and maxWriteRequestUnits (cost guardrail)" })
  .pipe(capacityUnits);
const onDemandCaps = {
  maxReadRequestUnits: onDemandCap,
  maxWriteRequestUnits: onDemandCap,
};

const provisionedOnlyKeys = ["read", "write"];
const onDemandOnlyKeys = ["maxReadRequestUnits", "maxWriteRequestUnits"];

function unrecognizedKeysMessage(mode: "PAY_PER_REQUEST" | "PROVISIONED") {
  return (issue: { code?: string; keys?: string[] }) => {
    if (issue.code !== "unrecognized_keys") return undefined;
    const keys = issue.keys ?? [];
    if (mode === "PAY_PER_REQUEST" && keys.some((key) => provisionedOnlyKeys.includes(key))) {
      return `${keys.join(", ")}: provisioned capacity is not allowed on a PAY_PER_REQUEST table; remove it, or set mode: "PROVISIONED"`;
    }
    if (mode === "PROVISIONED" && keys.some((key) => onDemandOnlyKeys.includes(key))) {
      return `${keys.join(", ")}: on-demand caps are not allowed on a PROVISIONED table (read.max/write.max bound it); remove them, or set mode: "PAY_PER_REQUEST"`;
    }
    return `unknown field(s) ${keys.join(", ")}; remove them`;
  };
}

const onDemandIndexCapacity = z.strictObject(onDemandCaps, {
  error: unrecognizedKeysMessage("PAY_PER_REQUEST"),
});
const provisionedIndexCapacity = z.strictObject(
  { read: scalingRange, write: scalingRange },
  { error: unrecognizedKeysMessage("PROVISIONED") },
);

const onDemandCapacity = z.strictObject(
  {
    mode: z.literal("PAY_PER_REQUEST"),
    ...onDemandCaps,
    /** Per-GSI caps by index name. @default the table's caps */
    indexes: z.record(z.string(), onDemandIndexCapacity).default({}),
  },
  { error: unrecognizedKeysMessage("PAY_PER_REQUEST") },
);

const provisionedCapacity = z.strictObject(
  {
    mode: z.literal("PROVISIONED"),
    read: scalingRange,
    write: scalingRange,
    /** Per-GSI autoscaling by index name. @default the table's read/write settings */
    indexes: z.record(z.string(), provisionedIndexCapacity).default({}),
  },
  { error: unrecognizedKeysMessage("PROVISIONED") },
);

const capacity = z.discriminatedUnion("mode", [onDemandCapacity, provisionedCapacity], {
  error: 'mode must be "PAY_PER_REQUEST" (on-demand, with caps) or "PROVISIONED" (autoscaled)',
});

const tableSettings = z.strictObject(
  {
    capacity,
    /**
     * Autoscaled GSIs are in `ignore_changes` (AWS provider 6.25 cannot ignore one GSI's capacity),
     * so Terraform would skip GSI changes. Set this for the deploy that adds or removes an index.
     * @default false
     */
    applyIndexChanges: z.boolean().default(false),
    /**
     * The table already exists (created by hand or in another state): emit `import` blocks so the
     * first apply adopts it (and optionally its autoscaling targets) instead of failing to create it.
     * @default undefined (create the table)
     */
    adoptExisting: z
      .strictObject({
        /** Also import the table's read/write scalable targets (and its GSIs'). @default false */
        autoscalingTargets: z.boolean().default(false),
      })
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === "invalid_type" && issue.input === undefined
        ? `required: every environment configures all of ${TABLE_IDS.join(", ")}`
        : undefined,
  },
);

const kmsKey = createdOrGiven(KMS_KEY_ARN_PATTERN, "a KMS key", "arn:aws:kms:<region>:<account>:key/<id>");

const protection = z
  .strictObject({
    /** Continuous backups with a restore window of `recoveryPeriodInDays`. @default disabled */
    pointInTimeRecovery: z
      .strictObject({
        enabled: z.boolean(),
        /** @default 35 */
        recoveryPeriodInDays: z
          .number()
          .int("must be whole days")
          .min(MIN_PITR_RECOVERY_DAYS, `must be between ${MIN_PITR_RECOVERY_DAYS} and ${MAX_PITR_RECOVERY_DAYS} days`)
          .max(MAX_PITR_RECOVERY_DAYS, `must be between ${MIN_PITR_RECOVERY_DAYS} and ${MAX_PITR_RECOVERY_DAYS} days`)
          .default(MAX_PITR_RECOVERY_DAYS),
      })
      .default({ enabled: false, recoveryPeriodInDays: MAX_PITR_RECOVERY_DAYS }),
    /** DynamoDB refuses DeleteTable while set. @default false */
    deletionProtection: z.boolean().default(false),
    /** Terraform refuses any plan that destroys a table (`lifecycle.prevent_destroy`). @default false */
    preventDestroy: z.boolean().default(false),
    /** Customer-managed KMS key for all tables. @default AWS-owned key */
    kmsKey: kmsKey.optional(),
  })
  .default({
    pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: MAX_PITR_RECOVERY_DAYS },
    deletionProtection: false,
    preventDestroy: false,
  });

const stateLocation = z.strictObject({
  bucket: z
    .string({ error: "required: the S3 bucket holding Terraform state" })
    .regex(S3_BUCKET_PATTERN, "must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)"),
  key: z
    .string({ error: "required: the S3 object key of this environment's state" })
    .regex(/^[\w./-]+\.tfstate$/, 'must be an S3 key ending in ".tfstate", e.g. "opsdata-infra/dev/dynamodb.tfstate"'),
  region,
});

export const environmentSchema = z
  .strictObject({
    name: z.enum(ENVIRONMENT_NAMES, {
      error: `must be one of ${ENVIRONMENT_NAMES.join(", ")}`,
    }),
    aws: z.strictObject({
      accountId: z
        .string({ error: "required: the 12-digit AWS account id this environment deploys to" })
        .regex(/^\d{12}$/, "must be a 12-digit AWS account id"),
      region,
    }),
    /** Where this environment's Terraform state lives (encrypted, S3-native locking). */
    state: stateLocation,
    /**
     * Also synthesize the `state-bucket-<env>` bootstrap stack that creates `state.bucket`
     * (for teams without a platform-owned bucket). @default false
     */
    createStateBucket: z.boolean().default(false),
    /** Prepended to every table id: "opsdata_dev_" makes "opsdata_dev_api_keys". */
    tableNamePrefix: z.string().regex(/^[a-zA-Z0-9_.-]*$/, "may only contain letters, digits, _ . -"),
    /** Tags every resource gets through the provider's default_tags. @default {} */
    defaultTags: z.record(z.string(), z.string()).default({}),
    protection,
    /** Role allowed to update/delete audit entries and delete the audit table (break glass). */
    auditLogBreakGlassRoleArn: z
      .string({ error: "required: the IAM role ARN allowed to modify audit entries in an emergency" })
      .regex(IAM_ROLE_ARN_PATTERN, "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)"),
    /** Other teams' S3 states this environment reads outputs from. @default {} */
    remoteStates: z.record(z.string(), stateLocation).default({}),
    tables: z.strictObject(Object.fromEntries(TABLE_IDS.map((id) => [id, tableSettings])) as Record<TableId, typeof tableSettings>, {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown table(s) ${issue.keys.join(", ")}; the tables are ${TABLE_IDS.join(", ")}`
          : undefined,
    }),
    alarms: alarmsSchema,
    contributorInsights: contributorInsightsSchema,
    auditArchive: auditArchiveSchema,
  })
  .superRefine((environment, ctx) => {
    checkOperations(environment, ctx);
    for (const table of TABLE_DEFINITIONS) {
      const settings = environment.tables[table.id];
      const fullName = `${environment.tableNamePrefix}${table.id}`;
      if (!DYNAMODB_NAME_PATTERN.test(fullName)) {
        ctx.addIssue({
          code: "custom",
          path: ["tableNamePrefix"],
          message: `makes table name "${fullName}", which is not [a-zA-Z0-9_.-]{3,255}; shorten or fix the prefix`,
        });
      }
      const indexNames: readonly string[] = (table.globalIndexes ?? []).map((index) => index.name);
      for (const name of Object.keys(settings.capacity.indexes)) {
        if (!indexNames.includes(name)) {
          ctx.addIssue({
            code: "custom",
            path: ["tables", table.id, "capacity", "indexes", name],
            message: `no index named "${name}" on ${table.id}; its indexes are ${indexNames.join(", ") || "(none)"}`,
          });
        }
      }
    }
    const { kmsKey } = environment.protection;
    if (kmsKey && typeof kmsKey === "object" && "remoteState" in kmsKey && !(kmsKey.remoteState in environment.remoteStates)) {
      ctx.addIssue({
        code: "custom",
        path: ["protection", "kmsKey", "remoteState"],
        message: `"${kmsKey.remoteState}" is not declared in remoteStates; add it there with its bucket, key and region`,
      });
    }
    if (environment.name === "prod") requireProductionProtection(environment.protection, ctx);
  });

/** Production holds customer data: every protection is mandatory there, not a default. */
function requireProductionProtection(settings: z.output<typeof protection>, ctx: z.RefinementCtx) {
  const missing: Array<[string, boolean, string]> = [
    ["pointInTimeRecovery.enabled", settings.pointInTimeRecovery.enabled, "set it to true"],
    ["deletionProtection", settings.deletionProtection, "set it to true"],
    ["preventDestroy", settings.preventDestroy, "set it to true"],
    ["kmsKey", settings.kmsKey !== undefined, 'set it to "create", an ARN, or a remote-state output'],
  ];
  for (const [field, present, fix] of missing) {
    if (!present) {
      ctx.addIssue({
        code: "custom",
        path: ["protection", ...field.split(".")],
        message: `is required in prod (data protection); ${fix}`,
      });
    }
  }
}

/** What a config author writes (defaults optional). */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** A validated environment with defaults applied. */
export type Environment = z.output<typeof environmentSchema>;
export type TableSettings = Environment["tables"][TableId];
export type ScalingRange = z.output<typeof scalingRange>;
