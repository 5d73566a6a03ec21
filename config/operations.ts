/**
 * Operating the tables: alarms (and the SNS topic they notify), Contributor Insights and the audit
 * archive. Limits and defaults are named once here; config/schema.ts wires these schemas in and
 * runs `checkOperations` for the rules that need the rest of the environment.
 */
import * as z from "./zod";
import { TABLE_DEFINITIONS, TABLE_IDS } from "../tables";
import { createdOrGiven, referencedRemoteState } from "./created-or-given";

const SNS_TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** CloudWatch: periods of a minute or more are whole minutes; an alarm evaluates at most one day. */
export const ALARM_PERIOD_STEP_SECONDS = 60;
export const MAX_ALARM_EVALUATION_SECONDS = 86_400;
/** Alarms on Metrics Insights queries (system errors) evaluate at most the last 3 hours. */
export const MAX_METRICS_INSIGHTS_EVALUATION_SECONDS = 10_800;
/**
 * DynamoDB aggregates the Kinesis streaming destination metrics (FailedToReplicateRecordCount,
 * AgeOfOldestUnreplicatedRecord, ThrottledPutRecordCount) over five minutes: they are not in the
 * page's one-minute list, so a shorter alarm period sees at most one datapoint in five.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 */
export const DYNAMODB_FIVE_MINUTE_METRIC_SECONDS = 300;
/**
 * Alarm periods for metrics whose publishing interval we do not rely on: Firehose delivery and SNS
 * notification metrics use five-minute periods, which cover a one- or five-minute publisher.
 */
export const FIVE_MINUTES = 300;

/**
 * The DynamoDB operations the access library calls (GetCommand, PutCommand, UpdateCommand,
 * DeleteCommand, QueryCommand): SuccessfulRequestLatency is published per (TableName, Operation).
 */
export const LATENCY_ALARM_OPERATIONS = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"] as const;

/**
 * S3 Object Lock default retention accepts at most 100 years.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DefaultRetention.html
 */
export const MAX_OBJECT_LOCK_RETENTION_YEARS = 100;
/** Kinesis Data Streams retention: 24 hours (default) to 8760 hours (365 days). */
export const MIN_STREAM_RETENTION_HOURS = 24;
export const MAX_STREAM_RETENTION_HOURS = 8_760;
/** Firehose S3 buffering hints: 0-900 seconds, 1-128 MiB. */
export const MAX_BUFFERING_SECONDS = 900;
export const MAX_BUFFERING_MIB = 128;
/** Glacier Instant Retrieval bills at least 90 days: moving on sooner pays for days not stored. */
export const GLACIER_IR_MIN_STORAGE_DAYS = 90;

/**
 * Defaults of each alarm window, from CloudWatch's recommended alarms where it gives them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html):
 * DynamoDB throttles and errors 5 of 5 one-minute periods, SuccessfulRequestLatency Average 10 of
 * 10, AgeOfOldestUnreplicatedRecord Maximum 3 of 3 five-minute periods, Kinesis
 * GetRecords.IteratorAgeMilliseconds Maximum 15 of 15 one-minute periods. Where the page says the
 * threshold "depends on your use case" the value here is ours and says so in docs/operations.md.
 * Firehose: alarm when DataFreshness exceeds the buffering limit (at most 15 minutes):
 * https://docs.aws.amazon.com/firehose/latest/dev/firehose-cloudwatch-metrics-best-practices.html
 */
export const ALARM_DEFAULTS = {
  throttles: { threshold: 0, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
  systemErrors: { threshold: 0, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
  userErrors: { threshold: 0, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
  latency: { threshold: 100, periodSeconds: 60, evaluationPeriods: 10, datapointsToAlarm: 10 },
  accountCapacityUtilization: { threshold: 80, periodSeconds: 300, evaluationPeriods: 2, datapointsToAlarm: 2 },
  capacityAtMax: { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
  onDemandCapThrottles: { threshold: 0, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 5 },
  alarmTopicFailures: { threshold: 0, periodSeconds: FIVE_MINUTES, evaluationPeriods: 1, datapointsToAlarm: 1 },
  archiveReplicationFailures: {
    threshold: 0,
    periodSeconds: DYNAMODB_FIVE_MINUTE_METRIC_SECONDS,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  },
  archiveReplicationLag: { threshold: 600, periodSeconds: DYNAMODB_FIVE_MINUTE_METRIC_SECONDS, evaluationPeriods: 3, datapointsToAlarm: 3 },
  archiveReplicationThrottles: {
    threshold: 0,
    periodSeconds: DYNAMODB_FIVE_MINUTE_METRIC_SECONDS,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
  },
  archiveStreamIteratorAge: { threshold: 3_600, periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 15 },
  archiveDeliveryFailures: { periodSeconds: FIVE_MINUTES, evaluationPeriods: 1, datapointsToAlarm: 1 },
  archiveDeliveryFreshness: { threshold: 900, periodSeconds: FIVE_MINUTES, evaluationPeriods: 3, datapointsToAlarm: 3 },
  archiveHeartbeat: { periodSeconds: 3_600, evaluationPeriods: 1, datapointsToAlarm: 1 },
  archiveLockedCopyFailures: { threshold: 0, periodSeconds: FIVE_MINUTES, evaluationPeriods: 1, datapointsToAlarm: 1 },
} as const;

export const ARCHIVE_DEFAULTS = {
  retentionYears: 7,
  tableTtlDays: 365,
  streamRetentionHours: 168,
  bufferingSeconds: 300,
  bufferingMiB: 64,
  landingRetentionDays: 30,
  glacierInstantRetrievalAfterDays: 90,
  deepArchiveAfterDays: 730,
} as const;

const wholeNumber = (what: string) => z.number({ error: `required: ${what}` }).int(`must be a whole number of ${what}`);

type WindowDefaults = { periodSeconds: number; evaluationPeriods: number; datapointsToAlarm: number };

/** `minPeriodSeconds`: the metric's publishing interval; a shorter period leaves most periods without data. */
function windowFields(defaults: WindowDefaults, minPeriodSeconds = ALARM_PERIOD_STEP_SECONDS) {
  return {
    periodSeconds: wholeNumber("seconds")
      .min(
        minPeriodSeconds,
        minPeriodSeconds === ALARM_PERIOD_STEP_SECONDS
          ? `must be at least ${ALARM_PERIOD_STEP_SECONDS} seconds`
          : `must be at least ${minPeriodSeconds} seconds: AWS publishes this metric every ${minPeriodSeconds / 60} minutes, so a shorter period cannot breach`,
      )
      .multipleOf(ALARM_PERIOD_STEP_SECONDS, `must be a multiple of ${ALARM_PERIOD_STEP_SECONDS} seconds (CloudWatch periods)`)
      .default(defaults.periodSeconds)
      .meta({ description: `Seconds per datapoint. @default ${defaults.periodSeconds}` }),
    evaluationPeriods: wholeNumber("periods")
      .min(1, "must be at least 1; an alarm needs one period to evaluate")
      .default(defaults.evaluationPeriods)
      .meta({ description: `Periods the alarm looks back over. @default ${defaults.evaluationPeriods}` }),
    datapointsToAlarm: wholeNumber("datapoints")
      .min(1, "must be at least 1")
      .default(defaults.datapointsToAlarm)
      .meta({ description: `Breaching periods (of evaluationPeriods) that raise the alarm. @default ${defaults.datapointsToAlarm}` }),
  };
}

const checkWindow = (maxSeconds: number) => (window: WindowDefaults, ctx: z.RefinementCtx) => {
  if (window.datapointsToAlarm > window.evaluationPeriods) {
    ctx.addIssue({
      code: "custom",
      path: ["datapointsToAlarm"],
      message: `(${window.datapointsToAlarm}) is above evaluationPeriods (${window.evaluationPeriods}); lower it or raise evaluationPeriods`,
    });
  }
  if (window.periodSeconds * window.evaluationPeriods > maxSeconds) {
    ctx.addIssue({
      code: "custom",
      path: ["evaluationPeriods"],
      message: `periodSeconds x evaluationPeriods is ${window.periodSeconds * window.evaluationPeriods} s; this alarm evaluates at most ${maxSeconds} s; lower either`,
    });
  }
};

/** An alarm whose threshold is fixed by what it watches (a capacity max, a success ratio of 1). */
const alarmWindow = (defaults: WindowDefaults, what: string) =>
  z.strictObject(windowFields(defaults)).superRefine(checkWindow(MAX_ALARM_EVALUATION_SECONDS)).prefault({}).meta({ description: what });

interface ThresholdOptions {
  /** Metrics Insights alarms evaluate at most 3 hours. */
  readonly maxEvaluationSeconds?: number;
  readonly minPeriodSeconds?: number;
}

/** An alarm with a configurable threshold in `bound.unit`, between 0 and `bound.max`. */
const thresholdAlarm = (
  defaults: WindowDefaults & { threshold: number },
  bound: { unit: string; max: number },
  what: string,
  { maxEvaluationSeconds = MAX_ALARM_EVALUATION_SECONDS, minPeriodSeconds }: ThresholdOptions = {},
) =>
  z
    .strictObject({
      ...windowFields(defaults, minPeriodSeconds),
      threshold: z
        .number({ error: `required: a threshold in ${bound.unit}` })
        .min(0, `must be between 0 and ${bound.max} ${bound.unit}`)
        .max(bound.max, `must be between 0 and ${bound.max} ${bound.unit}`)
        .default(defaults.threshold)
        .meta({ description: `Alarm when above this many ${bound.unit}. @default ${defaults.threshold}` }),
    })
    .superRefine(checkWindow(maxEvaluationSeconds))
    .prefault({})
    .meta({ description: what });

const COUNT = { unit: "events per period", max: 1_000_000 };
const MILLISECONDS = { unit: "milliseconds", max: 60_000 };
const PERCENT = { unit: "percent", max: 100 };
const SECONDS = { unit: "seconds", max: MAX_ALARM_EVALUATION_SECONDS };

export const alarmsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: "Create the alarms (and the topic). @default true" }),
    topic: createdOrGiven(SNS_TOPIC_ARN_PATTERN, "an SNS topic", "arn:aws:sns:<region>:<account>:<name>").default("create").meta({
      description:
        'Where alarms notify: "create" (an encrypted SNS topic in this stack), { arn } of an existing topic, or { remoteState, output } of another team\'s state. @default "create"',
    }),
    throttles: thresholdAlarm(
      ALARM_DEFAULTS.throttles,
      COUNT,
      "ReadThrottleEvents / WriteThrottleEvents (Sum) of each table and GSI. @default threshold 0, 5 of 5 one-minute periods",
    ),
    systemErrors: thresholdAlarm(
      ALARM_DEFAULTS.systemErrors,
      COUNT,
      "SystemErrors of each table, summed over every operation by a Metrics Insights query (window at most 3 hours). @default threshold 0, 5 of 5 one-minute periods",
      { maxEvaluationSeconds: MAX_METRICS_INSIGHTS_EVALUATION_SECONDS },
    ),
    userErrors: thresholdAlarm(
      ALARM_DEFAULTS.userErrors,
      COUNT,
      "UserErrors (Sum) of the account and region: HTTP 400s other than throttling and failed conditions (e.g. AccessDenied). @default threshold 0, 5 of 5 one-minute periods",
    ),
    latency: thresholdAlarm(
      ALARM_DEFAULTS.latency,
      MILLISECONDS,
      "SuccessfulRequestLatency (Average) of each table, per operation the access library calls. @default threshold 100 ms, 10 of 10 one-minute periods",
    ),
    alarmTopicFailures: thresholdAlarm(
      ALARM_DEFAULTS.alarmTopicFailures,
      COUNT,
      "NumberOfNotificationsFailed (Sum) of the alarm topic: on-call is not being reached. @default threshold 0, 1 of 1 five-minute period",
    ),
    accountCapacityUtilization: thresholdAlarm(
      ALARM_DEFAULTS.accountCapacityUtilization,
      PERCENT,
      "AccountProvisionedRead/WriteCapacityUtilization (Maximum). @default threshold 80 %, 2 of 2 five-minute periods",
    ),
    capacityAtMax: alarmWindow(
      ALARM_DEFAULTS.capacityAtMax,
      "ProvisionedRead/WriteCapacityUnits (Maximum) at the autoscaling max of each provisioned table and GSI. @default 3 of 3 five-minute periods",
    ),
    onDemandCapThrottles: thresholdAlarm(
      ALARM_DEFAULTS.onDemandCapThrottles,
      COUNT,
      "Read/WriteMaxOnDemandThroughputThrottleEvents (Sum) of each on-demand table and GSI. @default threshold 0, 5 of 5 one-minute periods",
    ),
    archiveReplicationFailures: thresholdAlarm(
      ALARM_DEFAULTS.archiveReplicationFailures,
      COUNT,
      "FailedToReplicateRecordCount (Maximum, Metrics Insights over DelegatedOperation) of the archived table. @default threshold 0, 1 of 1 five-minute period",
      { maxEvaluationSeconds: MAX_METRICS_INSIGHTS_EVALUATION_SECONDS, minPeriodSeconds: DYNAMODB_FIVE_MINUTE_METRIC_SECONDS },
    ),
    archiveReplicationLag: thresholdAlarm(
      ALARM_DEFAULTS.archiveReplicationLag,
      SECONDS,
      "AgeOfOldestUnreplicatedRecord (Maximum, Metrics Insights over DelegatedOperation) of the archived table, in seconds. @default threshold 600, 3 of 3 five-minute periods",
      { maxEvaluationSeconds: MAX_METRICS_INSIGHTS_EVALUATION_SECONDS, minPeriodSeconds: DYNAMODB_FIVE_MINUTE_METRIC_SECONDS },
    ),
    archiveReplicationThrottles: thresholdAlarm(
      ALARM_DEFAULTS.archiveReplicationThrottles,
      COUNT,
      "ThrottledPutRecordCount (Maximum, Metrics Insights over DelegatedOperation) of the archived table. @default threshold 0, 3 of 3 five-minute periods",
      { maxEvaluationSeconds: MAX_METRICS_INSIGHTS_EVALUATION_SECONDS, minPeriodSeconds: DYNAMODB_FIVE_MINUTE_METRIC_SECONDS },
    ),
    archiveStreamIteratorAge: thresholdAlarm(
      ALARM_DEFAULTS.archiveStreamIteratorAge,
      SECONDS,
      "Kinesis GetRecords.IteratorAgeMilliseconds (Maximum) of the archive stream, in seconds: Firehose falls behind. @default threshold 3600, 15 of 15 one-minute periods",
    ),
    archiveDeliveryFailures: alarmWindow(
      ALARM_DEFAULTS.archiveDeliveryFailures,
      "Firehose DeliveryToS3.Success (Minimum) below 1. @default 1 of 1 five-minute period",
    ),
    archiveDeliveryFreshness: thresholdAlarm(
      ALARM_DEFAULTS.archiveDeliveryFreshness,
      SECONDS,
      "Firehose DeliveryToS3.DataFreshness (Maximum), in seconds. @default threshold 900 (the 15-minute buffering limit), 3 of 3 five-minute periods",
    ),
    archiveHeartbeat: alarmWindow(
      ALARM_DEFAULTS.archiveHeartbeat,
      "Heartbeat: Firehose DeliveryToS3.Records (Sum) below 1, missing data breaching: a pipeline that goes silent alarms. @default 1 of 1 one-hour period",
    ),
    archiveLockedCopyFailures: thresholdAlarm(
      ALARM_DEFAULTS.archiveLockedCopyFailures,
      COUNT,
      "S3 Replication OperationsFailedReplication (Sum, Metrics Insights) from the landing bucket into the locked archive. @default threshold 0, 1 of 1 five-minute period",
      { maxEvaluationSeconds: MAX_METRICS_INSIGHTS_EVALUATION_SECONDS },
    ),
  })
  .prefault({})
  .meta({ description: "CloudWatch alarms on every table and GSI, and on the audit archive. @default enabled" });

export const contributorInsightsSchema = z
  .strictObject({
    enabled: z.boolean().default(false).meta({ description: "Contributor Insights on every table and GSI. @default false" }),
    mode: z
      .enum(["THROTTLED_KEYS", "ACCESSED_AND_THROTTLED_KEYS"], {
        error: 'must be "THROTTLED_KEYS" (always-on, throttled keys only) or "ACCESSED_AND_THROTTLED_KEYS"',
      })
      .default("THROTTLED_KEYS")
      .meta({ description: 'What is recorded. @default "THROTTLED_KEYS" (the mode AWS recommends for always-on use)' }),
  })
  .prefault({})
  .meta({ description: "CloudWatch Contributor Insights (most-throttled keys). @default disabled" });

const days = (what: string, fallback: number, min = 1) =>
  wholeNumber("days")
    .min(min, `must be at least ${min} day(s)`)
    .default(fallback)
    .meta({ description: `${what} @default ${fallback}` });

export const auditArchiveSchema = z
  .strictObject({
    enabled: z.boolean().default(false).meta({ description: "Archive every entry of `table` to S3 with Object Lock. @default false" }),
    table: z
      .enum(TABLE_IDS, { error: `must be one of ${TABLE_IDS.join(", ")}` })
      .default("audit_logs")
      .meta({ description: 'The archived table; its definition must declare a stream. @default "audit_logs"' }),
    retentionYears: wholeNumber("years")
      .min(1, "must be at least 1 year")
      .max(MAX_OBJECT_LOCK_RETENTION_YEARS, `must be at most ${MAX_OBJECT_LOCK_RETENTION_YEARS} years (the S3 Object Lock maximum)`)
      .default(ARCHIVE_DEFAULTS.retentionYears)
      .meta({ description: `S3 Object Lock COMPLIANCE retention of each archived object. @default ${ARCHIVE_DEFAULTS.retentionYears}` }),
    tableTtlDays: days(
      "The longest time writers keep an entry in the table (expires_at minus write time); the archive must retain at least as long.",
      ARCHIVE_DEFAULTS.tableTtlDays,
    ),
    streamRetentionHours: wholeNumber("hours")
      .min(MIN_STREAM_RETENTION_HOURS, `must be between ${MIN_STREAM_RETENTION_HOURS} and ${MAX_STREAM_RETENTION_HOURS} hours`)
      .max(MAX_STREAM_RETENTION_HOURS, `must be between ${MIN_STREAM_RETENTION_HOURS} and ${MAX_STREAM_RETENTION_HOURS} hours`)
      .default(ARCHIVE_DEFAULTS.streamRetentionHours)
      .meta({
        description: `How long the Kinesis stream keeps records Firehose has not delivered (time to fix a broken delivery). @default ${ARCHIVE_DEFAULTS.streamRetentionHours}`,
      }),
    bufferingSeconds: wholeNumber("seconds")
      .min(0, `must be between 0 and ${MAX_BUFFERING_SECONDS} seconds`)
      .max(MAX_BUFFERING_SECONDS, `must be between 0 and ${MAX_BUFFERING_SECONDS} seconds`)
      .default(ARCHIVE_DEFAULTS.bufferingSeconds)
      .meta({ description: `Firehose writes an object at least this often. @default ${ARCHIVE_DEFAULTS.bufferingSeconds}` }),
    bufferingMiB: wholeNumber("MiB")
      .min(1, `must be between 1 and ${MAX_BUFFERING_MIB} MiB`)
      .max(MAX_BUFFERING_MIB, `must be between 1 and ${MAX_BUFFERING_MIB} MiB`)
      .default(ARCHIVE_DEFAULTS.bufferingMiB)
      .meta({ description: `...or when this much data is buffered. @default ${ARCHIVE_DEFAULTS.bufferingMiB}` }),
    landingRetentionDays: days(
      "Firehose's landing bucket keeps each object this long after S3 Replication copied it into the locked bucket (time to re-drive a failed copy with S3 Batch Replication).",
      ARCHIVE_DEFAULTS.landingRetentionDays,
    ),
    glacierInstantRetrievalAfterDays: days(
      "Objects move to S3 Glacier Instant Retrieval (Athena still reads them) after this many days.",
      ARCHIVE_DEFAULTS.glacierInstantRetrievalAfterDays,
      0,
    ),
    deepArchiveAfterDays: days(
      "Objects move to S3 Glacier Deep Archive (restore before Athena reads them) after this many days.",
      ARCHIVE_DEFAULTS.deepArchiveAfterDays,
    ),
  })
  .superRefine((archive, ctx) => {
    if (archive.deepArchiveAfterDays < archive.glacierInstantRetrievalAfterDays + GLACIER_IR_MIN_STORAGE_DAYS) {
      ctx.addIssue({
        code: "custom",
        path: ["deepArchiveAfterDays"],
        message: `(${archive.deepArchiveAfterDays}) must be at least glacierInstantRetrievalAfterDays + ${GLACIER_IR_MIN_STORAGE_DAYS} (${archive.glacierInstantRetrievalAfterDays + GLACIER_IR_MIN_STORAGE_DAYS}; Glacier Instant Retrieval's minimum storage); raise it`,
      });
    }
    if (archive.retentionYears * 365 < archive.tableTtlDays) {
      ctx.addIssue({
        code: "custom",
        path: ["retentionYears"],
        message: `(${archive.retentionYears} years) is shorter than tableTtlDays (${archive.tableTtlDays}): archived copies would unlock before the table forgets the entry; raise retentionYears to at least ${Math.ceil(archive.tableTtlDays / 365)}`,
      });
    }
  })
  .prefault({})
  .meta({
    description:
      "Audit archive: Kinesis Data Streams for DynamoDB -> Firehose -> landing bucket -> S3 Replication -> bucket with Object Lock. @default disabled",
  });

export type AlarmSettings = z.output<typeof alarmsSchema>;
export type AlarmWindow = AlarmSettings["capacityAtMax"];
export type ContributorInsightsSettings = z.output<typeof contributorInsightsSchema>;
export type AuditArchiveSettings = z.output<typeof auditArchiveSchema>;

/** Rules between the operations settings and the rest of the environment (run by config/schema.ts). */
export function checkOperations(
  environment: { alarms: AlarmSettings; auditArchive: AuditArchiveSettings; remoteStates: Record<string, unknown> },
  ctx: z.RefinementCtx,
) {
  const topicState = referencedRemoteState(environment.alarms.topic);
  if (topicState !== undefined && !(topicState in environment.remoteStates)) {
    ctx.addIssue({
      code: "custom",
      path: ["alarms", "topic", "remoteState"],
      message: `"${topicState}" is not declared in remoteStates; add it there with its bucket, key and region`,
    });
  }
  const archive = environment.auditArchive;
  const iteratorAge = environment.alarms.archiveStreamIteratorAge.threshold;
  if (archive.enabled && iteratorAge >= archive.streamRetentionHours * 3_600) {
    ctx.addIssue({
      code: "custom",
      path: ["alarms", "archiveStreamIteratorAge", "threshold"],
      message: `(${iteratorAge} s) is not below auditArchive.streamRetentionHours (${archive.streamRetentionHours} h): records would expire from the stream before the alarm fires; lower it`,
    });
  }
  const archived = TABLE_DEFINITIONS.find((definition) => definition.id === archive.table);
  if (archive.enabled && archived && !("stream" in archived && archived.stream)) {
    ctx.addIssue({
      code: "custom",
      path: ["auditArchive", "table"],
      message: `${archive.table} declares no stream in tables/; archive a table whose definition has a stream (e.g. audit_logs), or add stream: "NEW_IMAGE" to its definition`,
    });
  }
}
