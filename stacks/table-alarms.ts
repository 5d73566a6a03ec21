/**
 * CloudWatch alarms on what hurts the API: throttling (table and every GSI), system errors, the
 * account's provisioned-capacity quota, an autoscaled dimension pinned at its max and an on-demand
 * table throttled at its cap. Metrics, statistics and windows follow AWS's recommended DynamoDB
 * alarms: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#DynamoDB
 * Metric names and dimensions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 */
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import type { AlarmSettings, AlarmWindow } from "../config/operations";
import type { TableSettings } from "../config/schema";
import type { TableDefinition } from "../tables";

type Window = AlarmWindow;

export interface MetricAlarmProps {
  /** Terraform address (`aws_cloudwatch_metric_alarm.<address>`) and, with the name prefix, the alarm name. */
  readonly address: string;
  readonly alarmName: string;
  /** What it means and the first step; shown in the notification. */
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions?: Record<string, string>;
  readonly statistic: "Sum" | "Maximum" | "Minimum" | "Average";
  readonly comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  readonly threshold: number;
  readonly window: Window;
  /**
   * What a period without data means. Event counts (throttles, errors) are published only when
   * non-zero, so a gap is "notBreaching"; gauges published continuously keep their state ("ignore").
   */
  readonly treatMissingData: "notBreaching" | "ignore" | "breaching";
  readonly actions: readonly string[];
}

/** One alarm: notifies on ALARM and on recovery (OK), with a stable address. */
export function metricAlarm(scope: Construct, props: MetricAlarmProps): CloudwatchMetricAlarm {
  const alarm = new CloudwatchMetricAlarm(scope, props.address, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    namespace: props.namespace,
    metricName: props.metricName,
    dimensions: props.dimensions,
    statistic: props.statistic,
    period: props.window.periodSeconds,
    ...windowAndActions(props),
  });
  alarm.overrideLogicalId(props.address);
  return alarm;
}

/** The evaluation and notification part of an alarm (the metric part differs: one metric or a Metrics Insights query). */
function windowAndActions(props: Pick<MetricAlarmProps, "comparison" | "threshold" | "window" | "treatMissingData" | "actions">) {
  return {
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
 * data. A Metrics Insights query sums every operation of the table into one series, so no
 * operation list can fall behind what callers use (AWS CDK's `metricSystemErrorsForOperations`
 * sums a fixed list with metric math instead). Alarms on Metrics Insights queries evaluate the
 * last 3 hours at most (config/operations.ts bounds the window):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html
 */
export const systemErrorsQuery = (tableName: string) =>
  `SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = '${tableName}'`;

const KINDS = ["read", "write"] as const;
const capitalized = { read: "Read", write: "Write" } as const;

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
 * `<table>_system_errors`, `<table>[_<index>]_<read|write>_capacity_at_max` (provisioned),
 * `<table>[_<index>]_<read|write>_on_demand_cap_throttle_events` (on-demand).
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
          description: `${label}: ${kind} requests are being throttled; callers see ProvisionedThroughputExceededException. First step: CloudWatch Contributor Insights for hot keys, then capacity (see README "Operating the tables").`,
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
            description: `${label}: autoscaling has set ${kind} capacity to its configured max (${range.max}); demand above it is throttled. First step: raise ${kind}.max in config/environments.ts if the load is legitimate.`,
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
            description: `${label}: ${kind} requests are throttled at the on_demand_throughput cap (${cap} units/s). First step: raise max${Kind}RequestUnits in config/environments.ts if the load is legitimate.`,
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

    const systemErrors = new CloudwatchMetricAlarm(this, `${definition.id}_system_errors`, {
      alarmName: `${tableName} system errors`,
      alarmDescription: `${tableName}: DynamoDB returned HTTP 500s (service-side errors). First step: check the AWS Health Dashboard; SDK retries absorb short bursts.`,
      metricQuery: [
        {
          id: "errors",
          expression: systemErrorsQuery(tableName),
          period: alarms.systemErrors.periodSeconds,
          label: "SystemErrors",
          returnData: true,
        },
      ],
      ...windowAndActions({
        comparison: "GreaterThanThreshold",
        threshold: alarms.systemErrors.threshold,
        window: alarms.systemErrors,
        treatMissingData: "notBreaching",
        actions,
      }),
    });
    systemErrors.overrideLogicalId(`${definition.id}_system_errors`);
  }
}

/**
 * The account's provisioned-capacity quota (AccountProvisioned{Read,Write}CapacityUtilization, no
 * dimensions): one pair per stack, since each environment is its own account.
 */
export function accountCapacityAlarms(scope: Construct, alarmNamePrefix: string, alarms: AlarmSettings, actions: readonly string[]) {
  for (const kind of KINDS) {
    const Kind = capitalized[kind];
    metricAlarm(scope, {
      address: `account_${kind}_capacity_utilization`,
      alarmName: `${alarmNamePrefix}account ${kind} capacity utilization`,
      description: `The account's provisioned ${kind} capacity is above ${alarms.accountCapacityUtilization.threshold}% of its quota: autoscaling soon cannot raise any table. First step: request a quota increase (Service Quotas, DynamoDB).`,
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
}
