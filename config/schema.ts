/**
 * The schema of an environment's configuration. Everything a user can get wrong is checked here,
 * before any construct exists, and every message names the environment, the field and the fix.
 */
import * as z from "./zod";
import { DYNAMODB_NAME_PATTERN } from "../tables/dynamodb-limits";
import {
  KMS_KEY_ARN_PATTERN,
  kmsKeyLocationProblems,
  regionProblems,
  s3BucketNameProblems,
  stateKeyProblems,
  tagProblems,
} from "./aws-rules";
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
} from "./environment-bounds";
import { alarmsSchema, auditArchiveSchema, checkOperations, contributorInsightsSchema } from "./operations";
import { createdOrGiven } from "./created-or-given";

const IAM_ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const IAM_PRINCIPAL_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;
// sts:AssumeRole's ExternalId: 2-1224 characters of [\w+=,.@:/-]
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;

/** Adds each problem a rule of config/aws-rules.ts finds as an issue on this field. */
const awsRule =
  (problems: (value: string) => string[]) =>
  (value: string, ctx: z.RefinementCtx): void => {
    for (const message of problems(value)) ctx.addIssue({ code: "custom", message });
  };

const region = z.string({ error: 'required: an AWS region such as "eu-west-1"' }).superRefine(awsRule(regionProblems));

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
    min: capacityUnits.meta({ description: "Lowest capacity the autoscaler may set; also the capacity the table is created with." }),
    max: capacityUnits.meta({ description: "Highest capacity the autoscaler may set: the cost ceiling." }),
    targetUtilization: z
      .number({ error: "required: target utilization in percent (20-90)" })
      .min(MIN_TARGET_UTILIZATION, `must be between ${MIN_TARGET_UTILIZATION} and ${MAX_TARGET_UTILIZATION} percent`)
      .max(MAX_TARGET_UTILIZATION, `must be between ${MIN_TARGET_UTILIZATION} and ${MAX_TARGET_UTILIZATION} percent`)
      .meta({ description: "Consumed/provisioned percentage the autoscaler keeps capacity at." }),
    scaleInCooldownSeconds: cooldownSeconds(DEFAULT_SCALE_IN_COOLDOWN_SECONDS).meta({
      description: "Seconds after a scale-in before the next one (DynamoDB limits capacity decreases per day).",
    }),
    scaleOutCooldownSeconds: cooldownSeconds(DEFAULT_SCALE_OUT_COOLDOWN_SECONDS).meta({
      description: "Seconds after a scale-out before the next one.",
    }),
  })
  .superRefine((range, ctx) => {
    if (range.min > range.max) {
      ctx.addIssue({
        code: "custom",
        path: ["min"],
        message: `min (${range.min}) is above max (${range.max}); lower min or raise max`,
      });
    }
  })
  .meta({ description: "Application Auto Scaling of this dimension: a scalable target and a target-tracking policy." });

/** On-demand caps are a cost guardrail: both are required so neither side is unbounded. */
const onDemandCap = z
  .number({ error: "required: on-demand tables need both maxReadRequestUnits and maxWriteRequestUnits (cost guardrail)" })
  .pipe(capacityUnits);
const onDemandCaps = {
  maxReadRequestUnits: onDemandCap.meta({ description: "Most read request units per second DynamoDB serves (on_demand_throughput)." }),
  maxWriteRequestUnits: onDemandCap.meta({ description: "Most write request units per second DynamoDB serves (on_demand_throughput)." }),
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
    indexes: z
      .record(z.string(), onDemandIndexCapacity)
      .default({})
      .meta({ description: "Per-GSI caps by index name; an index without an entry gets the table's caps." }),
  },
  { error: unrecognizedKeysMessage("PAY_PER_REQUEST") },
);

const provisionedCapacity = z.strictObject(
  {
    mode: z.literal("PROVISIONED"),
    read: scalingRange,
    write: scalingRange,
    indexes: z
      .record(z.string(), provisionedIndexCapacity)
      .default({})
      .meta({ description: "Per-GSI autoscaling by index name; an index without an entry gets the table's read and write." }),
  },
  { error: unrecognizedKeysMessage("PROVISIONED") },
);

const capacity = z
  .discriminatedUnion("mode", [onDemandCapacity, provisionedCapacity], {
    error: 'mode must be "PAY_PER_REQUEST" (on-demand, with caps) or "PROVISIONED" (autoscaled)',
  })
  .meta({ description: "Billing: on demand with caps, or provisioned and autoscaled (the table and every GSI, read and write)." });

/** One-deploy flags of earlier versions; schema.lock.json records them now. */
const MOVED_TO_THE_LOCK = ["applyIndexChanges", "applyBillingModeSwitch"];

const tableSettings = z.strictObject(
  {
    capacity,
    adoptExisting: z
      .strictObject({
        autoscalingTargets: z
          .boolean()
          .default(false)
          .meta({ description: "Also import the table's read/write scalable targets (and its GSIs')." }),
      })
      .optional()
      .meta({
        description:
          "The table already exists (by hand or in another state): emit import blocks so the first apply adopts it; absent: create it.",
      }),
  },
  {
    error: (issue) => {
      if (issue.code === "invalid_type" && issue.input === undefined) {
        return `required: every environment configures all of ${TABLE_IDS.join(", ")}`;
      }
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
      const moved = keys.filter((key) => MOVED_TO_THE_LOCK.includes(key));
      const unknown = keys.filter((key) => !MOVED_TO_THE_LOCK.includes(key));
      return moved.length > 0
        ? `${moved.join(", ")}: no longer set here; \`npm run schema:accept\` records a pending GSI change or switch to ` +
            `PROVISIONED in schema.lock.json (docs/guards.md). Remove it` +
            (unknown.length > 0 ? `; also unknown field(s) ${unknown.join(", ")}: remove them` : "")
        : undefined;
    },
  },
);

const kmsKey = createdOrGiven(KMS_KEY_ARN_PATTERN, "a KMS key", "arn:aws:kms:<region>:<account>:key/<id>");

const protection = z
  .strictObject({
    pointInTimeRecovery: z
      .strictObject({
        enabled: z.boolean().meta({ description: "Keep continuous backups; required in prod." }),
        recoveryPeriodInDays: z
          .number()
          .int("must be whole days")
          .min(MIN_PITR_RECOVERY_DAYS, `must be between ${MIN_PITR_RECOVERY_DAYS} and ${MAX_PITR_RECOVERY_DAYS} days`)
          .max(MAX_PITR_RECOVERY_DAYS, `must be between ${MIN_PITR_RECOVERY_DAYS} and ${MAX_PITR_RECOVERY_DAYS} days`)
          .default(MAX_PITR_RECOVERY_DAYS)
          .meta({ description: "How far back a restore can go, in days." }),
      })
      .default({ enabled: false, recoveryPeriodInDays: MAX_PITR_RECOVERY_DAYS })
      .meta({ description: "Point-in-time recovery of every table." }),
    deletionProtection: z.boolean().default(false).meta({ description: "DynamoDB refuses DeleteTable while set; required in prod." }),
    preventDestroy: z
      .boolean()
      .default(false)
      .meta({ description: "Terraform refuses any plan that destroys a table (lifecycle.prevent_destroy); required in prod." }),
    kmsKey: kmsKey.optional().meta({
      description:
        'Customer-managed KMS key for every table: "create" one in the stack, an existing key\'s ARN (in aws.region), or a remote-state output; absent: the AWS-owned key. Required in prod.',
    }),
  })
  .default({
    pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: MAX_PITR_RECOVERY_DAYS },
    deletionProtection: false,
    preventDestroy: false,
  })
  .meta({ description: "How the tables' data is protected; all of it is required in prod." });

const stateLocation = z.strictObject({
  bucket: z
    .string({ error: "required: the S3 bucket holding Terraform state" })
    .superRefine(awsRule(s3BucketNameProblems))
    .meta({ description: "S3 bucket holding the state (S3's bucket naming rules, below)." }),
  key: z
    .string({ error: "required: the S3 object key of this environment's state" })
    .superRefine(awsRule(stateKeyProblems))
    .meta({ description: 'S3 key of the state object, ending in ".tfstate" (the S3 backend\'s key rules, below).' }),
  region: region.meta({ description: "Region of the bucket." }),
});

export const environmentSchema = z
  .strictObject({
    name: z
      .enum(ENVIRONMENT_NAMES, {
        error: `must be one of ${ENVIRONMENT_NAMES.join(", ")}`,
      })
      .meta({ description: "Which environment; its stack is dynamodb-<name>." }),
    aws: z
      .strictObject({
        accountId: z
          .string({ error: "required: the 12-digit AWS account id this environment deploys to" })
          .regex(/^\d{12}$/, "must be a 12-digit AWS account id")
          .meta({ description: "The 12-digit account the tables live in; the provider's allowed_account_ids." }),
        region: region.meta({
          description: "Region of the tables and the provider: a real region of the aws, aws-cn or aws-us-gov partition.",
        }),
      })
      .meta({ description: "Where the tables live." }),
    state: stateLocation.meta({
      description: "This environment's Terraform state object (encrypted, S3-native locking); must differ from every other environment's.",
    }),
    createStateBucket: z.boolean().default(false).meta({
      description:
        "Also synthesize the state-bucket-<env> bootstrap stack that creates state.bucket (for teams without a platform-owned bucket).",
    }),
    atlantis: z
      .strictObject({
        principalArn: z
          .string({ error: "required: the ARN of the identity the Atlantis server runs as" })
          .regex(IAM_PRINCIPAL_ARN_PATTERN, "must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)")
          .meta({ description: "The Atlantis server's own identity: the only principal that may assume the roles." }),
        externalId: z
          .string({ error: "required: the external id the Atlantis server passes when it assumes a role" })
          .regex(EXTERNAL_ID_PATTERN, "must be 2-1224 characters of letters, digits and +=,.@:/-")
          .meta({ description: "sts:ExternalId the roles' trust policies require (AWS: 2-1224 characters)." }),
      })
      .optional()
      .meta({
        description: `Synthesize the atlantis-roles-<env> bootstrap stack: a read-only plan role and an apply role for Atlantis.`,
      }),
    tableNamePrefix: z
      .string()
      .regex(/^[a-zA-Z0-9_.-]*$/, "may only contain letters, digits, _ . -")
      .meta({ description: 'Prepended to every table id: "opsdata_dev_" makes "opsdata_dev_api_keys".' }),
    defaultTags: z
      .record(z.string(), z.string())
      .superRefine((tags, ctx) => {
        for (const { key, message } of tagProblems(tags)) ctx.addIssue({ code: "custom", path: key === undefined ? [] : [key], message });
      })
      .default({})
      .meta({ description: "Tags every resource gets through the provider's default_tags (AWS's tag rules, below)." }),
    protection,
    auditLogBreakGlassRoleArn: z
      .string({ error: "required: the IAM role ARN allowed to modify audit entries in an emergency" })
      .regex(IAM_ROLE_ARN_PATTERN, "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
      .meta({ description: "The only role that may update or delete audit entries and delete the audit table (break glass)." }),
    remoteStates: z
      .record(z.string(), stateLocation)
      .default({})
      .meta({ description: "Other teams' S3 states this environment reads outputs from, by a name of your choice." }),
    tables: z
      .strictObject(
        Object.fromEntries(
          TABLE_IDS.map((id) => [id, tableSettings.meta({ description: "One table's capacity and lifecycle settings." })]),
        ) as Record<TableId, typeof tableSettings>,
        {
          error: (issue) =>
            issue.code === "unrecognized_keys"
              ? `unknown table(s) ${issue.keys.join(", ")}; the tables are ${TABLE_IDS.join(", ")}`
              : undefined,
        },
      )
      .meta({ description: "Settings of each table, by table id." }),
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
    if (kmsKey && typeof kmsKey === "object" && "arn" in kmsKey) {
      for (const message of kmsKeyLocationProblems(kmsKey.arn, environment.aws.region)) {
        ctx.addIssue({ code: "custom", path: ["protection", "kmsKey", "arn"], message });
      }
    }
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
