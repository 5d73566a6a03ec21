/**
 * CloudWatch alarms on what hurts the API: throttling (table and every GSI), system and user
 * errors, latency per operation, the account's provisioned-capacity quota, an autoscaled dimension
 * pinned at its max and an on-demand table throttled at its cap. Every alarm names its metric's
 * documented dimensions and statistic and a period no shorter than the metric's publishing interval:
 * - metrics, dimensions, statistics and which are one-minute metrics:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 * - recommended windows: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#DynamoDB
 * - "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data", so
 *   treat_missing_data on them documents intent only; silence is caught by the archive heartbeat:
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
 */
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import { LATENCY_ALARM_OPERATIONS, type AlarmSettings, type AlarmWindow } from "../config/operations";
import type { TableSettings } from "../config/schema";
import type { TableDefinition } from "../tables";
import { APPEND_ONLY_DENIED_ACTIONS } from "../tables/append-only";

type Comparison = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
type MissingData = "notBreaching" | "ignore" | "breaching";

interface AlarmCommon {
  /** Terraform address (`aws_cloudwatch_metric_alarm.<address>`). */
  readonly address: string;
  readonly alarmName: string;
  /** What it means and the first step; shown in the notification. */
  readonly description: string;
  readonly comparison: Comparison;
  readonly threshold: number;
  readonly window: AlarmWindow;
  /**
   * What a period without data means. Event counts (throttles, errors) are published only when
   * non-zero, so a gap is "notBreaching"; gauges keep their state ("ignore"); a heartbeat that stops
   * is "breaching".
   */
  readonly treatMissingData: MissingData;
  readonly actions: readonly string[];
}

export interface MetricAlarmProps extends AlarmCommon {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions?: Record<string, string>;
  readonly statistic: "Sum" | "Maximum" | "Minimum" | "Average";
}

export interface QueryAlarmProps extends AlarmCommon {
  /** A CloudWatch Metrics Insights query returning one series. */
  readonly query: string;
  /** The series' label (the metric it aggregates). */
  readonly label: string;
}

/** One alarm on one metric: notifies on ALARM and on recovery (OK), with a stable address. */
export function metricAlarm(scope: Construct, props: MetricAlarmProps): CloudwatchMetricAlarm {
  return withAddress(
    new CloudwatchMetricAlarm(scope, props.address, {
      namespace: props.namespace,
      metricName: props.metricName,
      dimensions: props.dimensions,
      statistic: props.statistic,
      period: props.window.periodSeconds,
      ...common(props),
    }),
    props.address,
  );
}

/**
 * One alarm on a Metrics Insights query: for metrics published per dimension values we must not
 * enumerate or guess (every Operation, an undocumented DelegatedOperation value). Such alarms
 * evaluate at most the last 3 hours (config/operations.ts bounds the window):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html
 */
export function queryAlarm(scope: Construct, props: QueryAlarmProps): CloudwatchMetricAlarm {
  return withAddress(
    new CloudwatchMetricAlarm(scope, props.address, {
      metricQuery: [{ id: "q", expression: props.query, period: props.window.periodSeconds, label: props.label, returnData: true }],
      ...common(props),
    }),
    props.address,
  );
}

function withAddress(alarm: CloudwatchMetricAlarm, address: string) {
  alarm.overrideLogicalId(address);
  return alarm;
}

function common(props: AlarmCommon) {
  return {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    comparisonOperator: props.comparison,
    threshold: props.threshold,
    evaluationPeriods: props.window.evaluationPeriods,
    datapointsToAlarm: props.window.datapointsToAlarm,
    treatMissingData: props.treatMissingData,
    alarmActions: [...props.actions],
    okActions: [...props.actions],
  };
}

/**
 * SystemErrors is published per (TableName, Operation): an alarm on TableName alone would see no
 * data. The query sums every operation of the table into one series, so no operation list can fall
 * behind what callers use.
 */
export const systemErrorsQuery = (tableName: string) =>
  `SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = '${tableName}'`;

const KINDS = ["read", "write"] as const;
const capitalized = { read: "Read", write: "Write" } as const;
const RUNBOOK = 'Runbook: docs/operations.md, "Alarms".';

export interface TableAlarmsProps {
  readonly definition: TableDefinition;
  /** The physical table name (alarm dimensions name it literally). */
  readonly tableName: string;
  readonly settings: TableSettings;
  readonly alarms: AlarmSettings;
  /** SNS topic ARNs notified on ALARM and OK. */
  readonly actions: readonly string[];
}

/**
 * A table's alarms. Addresses: `aws_cloudwatch_metric_alarm.<table>[_<index>]_<read|write>_throttle_events`,
 * `<table>_system_errors`, `<table>_<Operation>_latency`, `<table>[_<index>]_<read|write>_capacity_at_max`
 * (provisioned), `<table>[_<index>]_<read|write>_on_demand_cap_throttle_events` (on-demand).
 */
export class TableAlarms extends Construct {
  constructor(scope: Construct, id: string, props: TableAlarmsProps) {
    super(scope, id);
    const { definition, tableName, settings, alarms, actions } = props;
    const { capacity } = settings;
    const scopes = [
      { address: definition.id, label: tableName, dimensions: { TableName: tableName }, index: undefined },
      ...(definition.globalIndexes ?? []).map((index) => ({
        address: `${definition.id}_${index.name}`,
        label: `${tableName}/${index.name}`,
        dimensions: { TableName: tableName, GlobalSecondaryIndexName: index.name },
        index: index.name,
      })),
    ];

    for (const { address, label, dimensions, index } of scopes) {
      for (const kind of KINDS) {
        const Kind = capitalized[kind];
        metricAlarm(this, {
          address: `${address}_${kind}_throttle_events`,
          alarmName: `${label} ${kind} throttle events`,
          description: `${label}: ${kind} requests are being throttled; callers see ProvisionedThroughputExceededException. First step: Contributor Insights for hot keys, then capacity. ${RUNBOOK}`,
          namespace: "AWS/DynamoDB",
          metricName: `${Kind}ThrottleEvents`,
          dimensions,
          statistic: "Sum",
          comparison: "GreaterThanThreshold",
          threshold: alarms.throttles.threshold,
          window: alarms.throttles,
          treatMissingData: "notBreaching",
          actions,
        });

        if (capacity.mode === "PROVISIONED") {
          const range = (index ? (capacity.indexes[index] ?? capacity) : capacity)[kind];
          metricAlarm(this, {
            address: `${address}_${kind}_capacity_at_max`,
            alarmName: `${label} ${kind} capacity at max`,
            description: `${label}: autoscaling has set ${kind} capacity to its configured max (${range.max}); demand above it is throttled. First step: raise ${kind}.max in config/environments.ts if the load is legitimate. ${RUNBOOK}`,
            namespace: "AWS/DynamoDB",
            metricName: `Provisioned${Kind}CapacityUnits`,
            dimensions,
            statistic: "Maximum",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: range.max,
            window: alarms.capacityAtMax,
            treatMissingData: "ignore",
            actions,
          });
        } else {
          const caps = index ? (capacity.indexes[index] ?? capacity) : capacity;
          const cap = kind === "read" ? caps.maxReadRequestUnits : caps.maxWriteRequestUnits;
          metricAlarm(this, {
            address: `${address}_${kind}_on_demand_cap_throttle_events`,
            alarmName: `${label} ${kind} throttled at on-demand cap`,
            description: `${label}: ${kind} requests are throttled at the on_demand_throughput cap (${cap} units/s). First step: raise max${Kind}RequestUnits in config/environments.ts if the load is legitimate. ${RUNBOOK}`,
            namespace: "AWS/DynamoDB",
            metricName: `${Kind}MaxOnDemandThroughputThrottleEvents`,
            dimensions,
            statistic: "Sum",
            comparison: "GreaterThanThreshold",
            threshold: alarms.onDemandCapThrottles.threshold,
            window: alarms.onDemandCapThrottles,
            treatMissingData: "notBreaching",
            actions,
          });
        }
      }
    }

    queryAlarm(this, {
      address: `${definition.id}_system_errors`,
      alarmName: `${tableName} system errors`,
      description: `${tableName}: DynamoDB returned HTTP 500s (service-side errors). First step: the AWS Health Dashboard; SDK retries absorb short bursts. ${RUNBOOK}`,
      query: systemErrorsQuery(tableName),
      label: "SystemErrors",
      comparison: "GreaterThanThreshold",
      threshold: alarms.systemErrors.threshold,
      window: alarms.systemErrors,
      treatMissingData: "notBreaching",
      actions,
    });

    // Published per (TableName, Operation) for every operation a caller makes; Average over a
    // one-minute period, as the recommended alarm. Not for operations an append-only table's policy
    // denies: no caller's request succeeds, so such an alarm could never see data.
    const denied: readonly string[] = definition.appendOnly ? APPEND_ONLY_DENIED_ACTIONS : [];
    for (const operation of LATENCY_ALARM_OPERATIONS.filter((candidate) => !denied.includes(`dynamodb:${candidate}`))) {
      metricAlarm(this, {
        address: `${definition.id}_${operation}_latency`,
        alarmName: `${tableName} ${operation} latency`,
        description: `${tableName}: successful ${operation} requests average more than ${alarms.latency.threshold} ms inside DynamoDB. First step: SuccessfulRequestLatency by operation, then item sizes and Query page sizes. ${RUNBOOK}`,
        namespace: "AWS/DynamoDB",
        metricName: "SuccessfulRequestLatency",
        dimensions: { TableName: tableName, Operation: operation },
        statistic: "Average",
        comparison: "GreaterThanThreshold",
        threshold: alarms.latency.threshold,
        window: alarms.latency,
        treatMissingData: "notBreaching",
        actions,
      });
    }
  }
}

/**
 * Account-wide DynamoDB alarms, one set per stack since each environment is its own account: the
 * provisioned-capacity quota (AccountProvisioned{Read,Write}CapacityUtilization, no dimensions) and
 * UserErrors (no dimensions: the account's HTTP 400s in the region).
 */
export function accountAlarms(scope: Construct, alarmNamePrefix: string, alarms: AlarmSettings, actions: readonly string[]) {
  for (const kind of KINDS) {
    const Kind = capitalized[kind];
    metricAlarm(scope, {
      address: `account_${kind}_capacity_utilization`,
      alarmName: `${alarmNamePrefix}account ${kind} capacity utilization`,
      description: `The account's provisioned ${kind} capacity is above ${alarms.accountCapacityUtilization.threshold}% of its quota: autoscaling soon cannot raise any table. First step: request a quota increase (Service Quotas, DynamoDB). ${RUNBOOK}`,
      namespace: "AWS/DynamoDB",
      metricName: `AccountProvisioned${Kind}CapacityUtilization`,
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: alarms.accountCapacityUtilization.threshold,
      window: alarms.accountCapacityUtilization,
      treatMissingData: "ignore",
      actions,
    });
  }
  metricAlarm(scope, {
    address: "account_user_errors",
    alarmName: `${alarmNamePrefix}account user errors`,
    description: `DynamoDB answered HTTP 400 (not throttling, not a failed condition) in every minute of the window: usually AccessDenied from a policy change or a malformed request from a new release. First step: CloudTrail errorCode for dynamodb.amazonaws.com. ${RUNBOOK}`,
    namespace: "AWS/DynamoDB",
    metricName: "UserErrors",
    statistic: "Sum",
    comparison: "GreaterThanThreshold",
    threshold: alarms.userErrors.threshold,
    window: alarms.userErrors,
    treatMissingData: "notBreaching",
    actions,
  });
}
