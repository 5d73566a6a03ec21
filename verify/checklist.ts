/**
 * What `npm run verify -- <env>` checks, read from the environment's synthesized stack (the
 * alarms and the archive bucket as they were applied), so the checklist cannot drift from the code.
 */
import type { SynthesizedStackJson } from "../stacks/app";

export interface AlarmCheck {
  readonly alarmName: string;
  /** One metric (its dimensions are read from the alarm in AWS, where Terraform resolved them) or a Metrics Insights query. */
  readonly metric: { readonly namespace: string; readonly metricName: string } | { readonly query: string; readonly periodSeconds: number };
  /**
   * "required": AWS publishes the metric continuously once the stack carries traffic, so no
   * datapoint in the last day is a gap. "on-event": published only when it happens (throttles,
   * errors, failures, an operation's latency): no datapoint is reported, not a gap.
   */
  readonly data: "required" | "on-event";
}

export interface ArchiveCheck {
  readonly bucket: string;
  /** Where Firehose's objects land after replication (config: entries/year=.../month=.../day=.../). */
  readonly prefix: string;
  readonly mode: "COMPLIANCE";
  readonly retentionYears: number;
}

export interface Checklist {
  readonly environment: string;
  readonly region: string;
  readonly alarms: readonly AlarmCheck[];
  readonly archive?: ArchiveCheck;
}

/** Metrics AWS publishes every period while the tables exist and the archive runs. */
const CONTINUOUS_METRICS = new Set([
  "ProvisionedReadCapacityUnits",
  "ProvisionedWriteCapacityUnits",
  "AccountProvisionedReadCapacityUtilization",
  "AccountProvisionedWriteCapacityUtilization",
  "GetRecords.IteratorAgeMilliseconds",
  "DeliveryToS3.Records",
  "DeliveryToS3.Success",
  "DeliveryToS3.DataFreshness",
]);

type Resource = Record<string, unknown>;

export function checklistFor(
  environment: { name: string; aws: { region: string }; auditArchive: { enabled: boolean; retentionYears: number } },
  stack: SynthesizedStackJson,
): Checklist {
  const resources = (type: string) => (stack.resource?.[type] ?? {}) as Record<string, Resource>;
  const alarms = Object.values(resources("aws_cloudwatch_metric_alarm"))
    .map((alarm): AlarmCheck => {
      const [query] = (alarm.metric_query as Array<{ expression: string; period: number; label: string }> | undefined) ?? [];
      const metricName = query ? query.label : String(alarm.metric_name);
      return {
        alarmName: String(alarm.alarm_name),
        metric: query
          ? { query: query.expression, periodSeconds: query.period }
          : { namespace: String(alarm.namespace), metricName: String(alarm.metric_name) },
        data: CONTINUOUS_METRICS.has(metricName) ? "required" : "on-event",
      };
    })
    .sort((a, b) => (a.alarmName < b.alarmName ? -1 : 1));
  const archiveBucket = resources("aws_s3_bucket").audit_archive;
  return {
    environment: environment.name,
    region: environment.aws.region,
    alarms,
    archive:
      environment.auditArchive.enabled && archiveBucket
        ? {
            bucket: String(archiveBucket.bucket),
            prefix: "entries/",
            mode: "COMPLIANCE",
            retentionYears: environment.auditArchive.retentionYears,
          }
        : undefined,
  };
}

/** "AWS/DynamoDB ReadThrottleEvents", or a query as "Metrics Insights MAX(AgeOfOldestUnreplicatedRecord)". */
export function metricSummary(alarm: AlarmCheck): string {
  if (!("query" in alarm.metric)) return `${alarm.metric.namespace} ${alarm.metric.metricName}`;
  const aggregate = /^SELECT (\w+\([\w.]+\))/.exec(alarm.metric.query)?.[1] ?? alarm.metric.query;
  return `Metrics Insights ${aggregate}`;
}

/** The checklist as `--dry-run` prints it: one line per check, nothing sent to AWS. */
export function describeChecklist(checklist: Checklist): string[] {
  const lines = [`verify ${checklist.environment} (${checklist.region}): the checks, without calling AWS (--dry-run)`];
  if (checklist.archive) {
    const { bucket, prefix, mode, retentionYears } = checklist.archive;
    lines.push(
      `- archive s3://${bucket}/${prefix}`,
      `    newest object (today or yesterday, UTC) is locked ${mode} for >= ${retentionYears} year(s)`,
    );
  }
  if (checklist.alarms.length > 0) lines.push("- alarm topic (the alarms' action)", "    has at least one confirmed subscription");
  for (const alarm of checklist.alarms) {
    const data = alarm.data === "required" ? "must have datapoints in the last day" : "datapoints reported, none is fine (on events)";
    lines.push(`- alarm "${alarm.alarmName}" exists`, `    ${metricSummary(alarm)}: ${data}`);
  }
  if (lines.length === 1) lines.push("- nothing: alarms are off and there is no archive in this environment");
  return lines;
}
