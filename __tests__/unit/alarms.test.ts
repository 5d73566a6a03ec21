/**
 * Alarms: each kind's metric (or query), dimensions, statistic, window, threshold and missing-data
 * treatment written out literally once; per-table and per-index rules asserted as properties over
 * the synthesized stacks; and, per alarm, a proof on a synthetic series that the metric, published
 * at its documented interval, can put the alarm into ALARM.
 */
import { LATENCY_ALARM_OPERATIONS } from "../../config/operations";
import { TABLE_DEFINITIONS } from "../../tables";
import { alarmPeriods, breachingValue, wouldAlarm, type AlarmRule } from "../helpers/alarm-evaluation";
import { environmentInput, parse, resourcesOf, synthEnvironment, type SynthesizedStack } from "../helpers/synth";

const stacks = {
  staging: parse(synthEnvironment(environmentInput("staging"))),
  prod: parse(synthEnvironment(environmentInput("prod"))),
};
const alarmsOf = (stack: SynthesizedStack) => resourcesOf(stack, "aws_cloudwatch_metric_alarm");

const ALARM_FIELDS = [
  "namespace",
  "metric_name",
  "dimensions",
  "statistic",
  "metric_query",
  "period",
  "evaluation_periods",
  "datapoints_to_alarm",
  "comparison_operator",
  "threshold",
  "treat_missing_data",
];
/** What an alarm watches and when it fires (names, descriptions and actions are checked elsewhere). */
function rule(stack: SynthesizedStack, address: string) {
  const alarm = alarmsOf(stack)[address];
  expect(alarm).toBeDefined();
  return Object.fromEntries(ALARM_FIELDS.filter((field) => alarm[field] !== undefined).map((field) => [field, alarm[field]]));
}
const query = (expression: string, label: string, period: number) => [{ id: "q", expression, label, period, return_data: true }];

describe("each kind of alarm (prod), literally", () => {
  const prod = (address: string) => rule(stacks.prod, address);

  test("GIVEN a table WHEN synthesized THEN read/write throttle events alarm on Sum > 0 in 5 of 5 one-minute periods", () => {
    expect(prod("api_keys_read_throttle_events")).toEqual({
      namespace: "AWS/DynamoDB",
      metric_name: "ReadThrottleEvents",
      dimensions: { TableName: "opsdata_prod_api_keys" },
      statistic: "Sum",
      period: 60,
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      treat_missing_data: "notBreaching",
    });
  });

  test("GIVEN a GSI WHEN synthesized THEN its throttle alarm names the table and the index", () => {
    expect(prod("audit_logs_actor_id-occurred_at_id-index_write_throttle_events")).toMatchObject({
      metric_name: "WriteThrottleEvents",
      dimensions: { TableName: "opsdata_prod_audit_logs", GlobalSecondaryIndexName: "actor_id-occurred_at_id-index" },
    });
  });

  test("GIVEN an autoscaled table WHEN synthesized THEN capacity at max alarms on the configured max for 3 of 3 five-minute periods", () => {
    expect(prod("audit_logs_write_capacity_at_max")).toEqual({
      namespace: "AWS/DynamoDB",
      metric_name: "ProvisionedWriteCapacityUnits",
      dimensions: { TableName: "opsdata_prod_audit_logs" },
      statistic: "Maximum",
      period: 300,
      evaluation_periods: 3,
      datapoints_to_alarm: 3,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 3000,
      treat_missing_data: "ignore",
    });
  });

  test("GIVEN a table WHEN synthesized THEN system errors sum every operation by a Metrics Insights query", () => {
    expect(prod("webhook_events_system_errors")).toEqual({
      metric_query: query(
        `SELECT SUM(SystemErrors) FROM SCHEMA("AWS/DynamoDB", Operation, TableName) WHERE TableName = 'opsdata_prod_webhook_events'`,
        "SystemErrors",
        60,
      ),
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      treat_missing_data: "notBreaching",
    });
  });

  test("GIVEN a table WHEN synthesized THEN latency alarms per operation on Average > 100 ms in 10 of 10 one-minute periods", () => {
    expect(prod("idempotency_keys_UpdateItem_latency")).toEqual({
      namespace: "AWS/DynamoDB",
      metric_name: "SuccessfulRequestLatency",
      dimensions: { TableName: "opsdata_prod_idempotency_keys", Operation: "UpdateItem" },
      statistic: "Average",
      period: 60,
      evaluation_periods: 10,
      datapoints_to_alarm: 10,
      comparison_operator: "GreaterThanThreshold",
      threshold: 100,
      treat_missing_data: "notBreaching",
    });
  });

  test("GIVEN the account WHEN synthesized THEN capacity utilization and user errors alarm without dimensions", () => {
    expect(prod("account_read_capacity_utilization")).toEqual({
      namespace: "AWS/DynamoDB",
      metric_name: "AccountProvisionedReadCapacityUtilization",
      statistic: "Maximum",
      period: 300,
      evaluation_periods: 2,
      datapoints_to_alarm: 2,
      comparison_operator: "GreaterThanThreshold",
      threshold: 80,
      treat_missing_data: "ignore",
    });
    expect(prod("account_user_errors")).toEqual({
      namespace: "AWS/DynamoDB",
      metric_name: "UserErrors",
      statistic: "Sum",
      period: 60,
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      treat_missing_data: "notBreaching",
    });
  });

  test("GIVEN the created topic WHEN synthesized THEN failed notifications alarm on its name", () => {
    expect(prod("alarm_topic_notifications_failed")).toEqual({
      namespace: "AWS/SNS",
      metric_name: "NumberOfNotificationsFailed",
      dimensions: { TopicName: "${aws_sns_topic.alarms.name}" },
      statistic: "Sum",
      period: 300,
      evaluation_periods: 1,
      datapoints_to_alarm: 1,
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      treat_missing_data: "notBreaching",
    });
  });

  const replicationQuery = (metric: string) =>
    `SELECT MAX(${metric}) FROM SCHEMA("AWS/DynamoDB", DelegatedOperation, TableName) WHERE TableName = 'opsdata_prod_audit_logs'`;
  const window = (evaluation: number) => ({ evaluation_periods: evaluation, datapoints_to_alarm: evaluation });

  test("GIVEN the archive WHEN synthesized THEN the streaming destination's three alarms query DelegatedOperation instead of naming a value", () => {
    expect(prod("audit_archive_replication_failures")).toEqual({
      metric_query: query(replicationQuery("FailedToReplicateRecordCount"), "FailedToReplicateRecordCount", 300),
      ...window(1),
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      treat_missing_data: "notBreaching",
    });
    expect(prod("audit_archive_replication_lag")).toEqual({
      metric_query: query(replicationQuery("AgeOfOldestUnreplicatedRecord"), "AgeOfOldestUnreplicatedRecord", 300),
      ...window(3),
      comparison_operator: "GreaterThanThreshold",
      threshold: 600_000,
      treat_missing_data: "notBreaching",
    });
    expect(prod("audit_archive_replication_throttles")).toEqual({
      metric_query: query(replicationQuery("ThrottledPutRecordCount"), "ThrottledPutRecordCount", 300),
      ...window(3),
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      treat_missing_data: "notBreaching",
    });
  });

  test("GIVEN the archive WHEN synthesized THEN the stream, Firehose and replication into the locked bucket are watched, with a heartbeat", () => {
    const firehose = {
      namespace: "AWS/Firehose",
      dimensions: { DeliveryStreamName: "${aws_kinesis_firehose_delivery_stream.audit_archive.name}" },
    };
    expect(prod("audit_archive_stream_iterator_age")).toEqual({
      namespace: "AWS/Kinesis",
      metric_name: "GetRecords.IteratorAgeMilliseconds",
      dimensions: { StreamName: "opsdata_prod_audit_logs_archive" },
      statistic: "Maximum",
      period: 60,
      ...window(15),
      comparison_operator: "GreaterThanThreshold",
      threshold: 3_600_000,
      treat_missing_data: "notBreaching",
    });
    expect(prod("audit_archive_delivery_failures")).toEqual({
      ...firehose,
      metric_name: "DeliveryToS3.Success",
      statistic: "Minimum",
      period: 300,
      ...window(1),
      comparison_operator: "LessThanThreshold",
      threshold: 1,
      treat_missing_data: "notBreaching",
    });
    expect(prod("audit_archive_delivery_freshness")).toEqual({
      ...firehose,
      metric_name: "DeliveryToS3.DataFreshness",
      statistic: "Maximum",
      period: 300,
      ...window(3),
      comparison_operator: "GreaterThanThreshold",
      threshold: 900,
      treat_missing_data: "notBreaching",
    });
    expect(prod("audit_archive_heartbeat")).toEqual({
      ...firehose,
      metric_name: "DeliveryToS3.Records",
      statistic: "Sum",
      period: 3600,
      ...window(1),
      comparison_operator: "LessThanThreshold",
      threshold: 1,
      treat_missing_data: "breaching",
    });
    expect(prod("audit_archive_locked_copy_failures")).toEqual({
      metric_query: query('SELECT SUM(OperationsFailedReplication) FROM "AWS/S3"', "OperationsFailedReplication", 300),
      ...window(1),
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      treat_missing_data: "ignore",
    });
  });

  test("GIVEN an on-demand table WHEN synthesized THEN throttling at the cap alarms instead of capacity at max", () => {
    const input = environmentInput("staging");
    input.tables.api_keys = { capacity: { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 200, maxWriteRequestUnits: 50 } };
    const stack = parse(synthEnvironment(input));
    expect(rule(stack, "api_keys_write_on_demand_cap_throttle_events")).toEqual({
      namespace: "AWS/DynamoDB",
      metric_name: "WriteMaxOnDemandThroughputThrottleEvents",
      dimensions: { TableName: "opsdata_staging_api_keys" },
      statistic: "Sum",
      period: 60,
      ...window(5),
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      treat_missing_data: "notBreaching",
    });
    expect(alarmsOf(stack).api_keys_write_capacity_at_max).toBeUndefined();
  });
});

describe.each(["staging", "prod"] as const)("every table and GSI of %s has its alarms", (name) => {
  const alarms = alarmsOf(stacks[name]);
  const environment = environmentInput(name);
  const scopes = TABLE_DEFINITIONS.flatMap((definition) => [
    { address: definition.id, table: definition.id, index: undefined as string | undefined },
    ...(definition.globalIndexes ?? []).map((index) => ({
      address: `${definition.id}_${index.name}`,
      table: definition.id,
      index: index.name,
    })),
  ]);

  test.each(scopes)("$address: throttles and capacity at its max, read and write, on its own dimensions", ({ address, table, index }) => {
    const dimensions = { TableName: `${environment.tableNamePrefix}${table}`, ...(index ? { GlobalSecondaryIndexName: index } : {}) };
    const capacity = environment.tables[table as keyof typeof environment.tables].capacity as {
      read: { max: number };
      write: { max: number };
    };
    for (const kind of ["read", "write"] as const) {
      expect(alarms[`${address}_${kind}_throttle_events`]).toMatchObject({ dimensions });
      expect(alarms[`${address}_${kind}_capacity_at_max`]).toMatchObject({ dimensions, threshold: capacity[kind].max });
    }
  });

  test.each(TABLE_DEFINITIONS.map((d) => d.id))("%s: system errors and latency of every operation the library calls", (table) => {
    expect(alarms[`${table}_system_errors`]).toBeDefined();
    // audit_logs is append-only: its policy denies UpdateItem and DeleteItem to every caller.
    const operations = table === "audit_logs" ? ["GetItem", "PutItem", "Query"] : LATENCY_ALARM_OPERATIONS;
    const latencyAlarms = Object.keys(alarms).filter((address) => address.startsWith(`${table}_`) && address.endsWith("_latency"));
    expect(latencyAlarms.sort()).toEqual(operations.map((operation) => `${table}_${operation}_latency`).sort());
    for (const operation of operations) {
      expect(alarms[`${table}_${operation}_latency`]).toMatchObject({
        dimensions: { TableName: `${environment.tableNamePrefix}${table}`, Operation: operation },
      });
    }
  });

  test("every alarm notifies the topic on ALARM and on OK, and none names a DelegatedOperation value", () => {
    for (const alarm of Object.values(alarms)) {
      expect(alarm.alarm_actions).toEqual(["${aws_sns_topic.alarms.arn}"]);
      expect(alarm.ok_actions).toEqual(["${aws_sns_topic.alarms.arn}"]);
      expect(Object.keys((alarm.dimensions as object | undefined) ?? {})).not.toContain("DelegatedOperation");
    }
  });
});

/**
 * How often AWS publishes each metric. DynamoDB: the metrics page lists the one-minute metrics;
 * "for all other DynamoDB metrics, the aggregation granularity is five minutes". Kinesis
 * stream-level metrics and S3 Replication metrics: every minute. Firehose and SNS: checked at one
 * and five minutes (the alarms must work with either).
 */
const PUBLISHED_EVERY_SECONDS: Record<string, number[]> = {
  ReadThrottleEvents: [60],
  WriteThrottleEvents: [60],
  ReadMaxOnDemandThroughputThrottleEvents: [60],
  WriteMaxOnDemandThroughputThrottleEvents: [60],
  SystemErrors: [60],
  UserErrors: [60],
  SuccessfulRequestLatency: [60],
  ProvisionedReadCapacityUnits: [300],
  ProvisionedWriteCapacityUnits: [300],
  AccountProvisionedReadCapacityUtilization: [300],
  AccountProvisionedWriteCapacityUtilization: [300],
  FailedToReplicateRecordCount: [300],
  AgeOfOldestUnreplicatedRecord: [300],
  ThrottledPutRecordCount: [300],
  "GetRecords.IteratorAgeMilliseconds": [60],
  OperationsFailedReplication: [60],
  "DeliveryToS3.Success": [60, 300],
  "DeliveryToS3.DataFreshness": [60, 300],
  "DeliveryToS3.Records": [60, 300],
  NumberOfNotificationsFailed: [60, 300],
};
const STATISTIC_OF_AGGREGATE = { SUM: "Sum", MAX: "Maximum", MIN: "Minimum", AVG: "Average" } as const;

/** The synthesized alarm as a rule, and the metric it watches. */
function alarmRule(alarm: Record<string, unknown>): { metric: string; rule: AlarmRule } {
  const [metricQuery] = (alarm.metric_query as Array<{ expression: string; period: number; label: string }> | undefined) ?? [];
  const common = {
    evaluationPeriods: alarm.evaluation_periods as number,
    datapointsToAlarm: alarm.datapoints_to_alarm as number,
    comparison: alarm.comparison_operator as string,
    threshold: alarm.threshold as number,
    treatMissingData: alarm.treat_missing_data as string,
  };
  if (!metricQuery) {
    const statistic = alarm.statistic as AlarmRule["statistic"];
    return {
      metric: alarm.metric_name as string,
      rule: { ...common, namespace: alarm.namespace as string, statistic, periodSeconds: alarm.period as number },
    };
  }
  const [, aggregate, namespace] = /^SELECT (\w+)\(.*FROM (?:SCHEMA\()?"([\w/]+)"/.exec(metricQuery.expression)!;
  const statistic = STATISTIC_OF_AGGREGATE[aggregate as keyof typeof STATISTIC_OF_AGGREGATE];
  return { metric: metricQuery.label, rule: { ...common, namespace, statistic, periodSeconds: metricQuery.period } };
}

describe.each(["staging", "prod"] as const)("every alarm of %s can fire on its metric as AWS publishes it", (name) => {
  const cases = Object.entries(alarmsOf(stacks[name])).flatMap(([address, alarm]) => {
    const { metric, rule: alarmRuleOf } = alarmRule(alarm);
    return (PUBLISHED_EVERY_SECONDS[metric] ?? [Number.NaN]).map((publishedEvery) => ({
      address,
      metric,
      publishedEvery,
      rule: alarmRuleOf,
    }));
  });

  test.each(cases)("$address: $metric published every $publishedEvery s", ({ metric, publishedEvery, rule: alarm }) => {
    expect({ metric, publishedEvery: Number.isNaN(publishedEvery) ? "not in PUBLISHED_EVERY_SECONDS" : publishedEvery }).toEqual({
      metric,
      publishedEvery,
    });
    const window = alarm.periodSeconds * alarm.evaluationPeriods;
    expect(wouldAlarm(alarm, alarmPeriods(alarm, publishedEvery, breachingValue(alarm), window))).toBe(true);
  });
});

describe("the evaluation model", () => {
  const issueLagAlarm: AlarmRule = {
    namespace: "AWS/DynamoDB",
    statistic: "Maximum",
    periodSeconds: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    comparison: "GreaterThanThreshold",
    threshold: 600_000,
    treatMissingData: "notBreaching",
  };

  test("GIVEN the old lag alarm (5 of 5 one-minute periods) WHEN its metric arrives every five minutes THEN it never fires", () => {
    expect(wouldAlarm(issueLagAlarm, alarmPeriods(issueLagAlarm, 300, 10_000_000, 3600))).toBe(false);
  });

  test("GIVEN a five-minute period WHEN the same metric breaches THEN it fires", () => {
    const fixed = { ...issueLagAlarm, periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 };
    expect(wouldAlarm(fixed, alarmPeriods(fixed, 300, 10_000_000, 900))).toBe(true);
  });

  test("GIVEN no data at all WHEN evaluated THEN only the heartbeat (missing = breaching, not AWS/DynamoDB) fires", () => {
    const heartbeat = alarmRule(alarmsOf(stacks.prod).audit_archive_heartbeat).rule;
    const throttles = alarmRule(alarmsOf(stacks.prod).api_keys_read_throttle_events).rule;
    expect(wouldAlarm(heartbeat, [undefined])).toBe(true);
    expect(wouldAlarm(throttles, Array(5).fill(undefined))).toBe(false);
    expect(wouldAlarm({ ...throttles, treatMissingData: "breaching" }, Array(5).fill(undefined))).toBe(false);
  });
});

describe("alarm configuration", () => {
  test("GIVEN throttles with a threshold and a longer window WHEN synthesized THEN the throttle alarms use them", () => {
    const input = environmentInput("staging");
    input.alarms = { throttles: { threshold: 10, periodSeconds: 120, evaluationPeriods: 3, datapointsToAlarm: 2 } };
    const alarm = alarmsOf(parse(synthEnvironment(input))).api_keys_read_throttle_events;
    expect([alarm.threshold, alarm.period, alarm.evaluation_periods, alarm.datapoints_to_alarm]).toEqual([10, 120, 3, 2]);
  });

  test("GIVEN a topic given by ARN WHEN synthesized THEN alarms notify it, no topic or topic key is created, and its failures are watched by name", () => {
    const input = environmentInput("staging");
    input.alarms = { topic: { arn: "arn:aws:sns:eu-west-1:222222222222:platform-oncall" } };
    const stack = parse(synthEnvironment(input));
    expect(alarmsOf(stack).api_keys_system_errors.alarm_actions).toEqual(["arn:aws:sns:eu-west-1:222222222222:platform-oncall"]);
    expect(alarmsOf(stack).alarm_topic_notifications_failed.dimensions).toEqual({
      TopicName: '${element(split(":", "arn:aws:sns:eu-west-1:222222222222:platform-oncall"), 5)}',
    });
    expect(resourcesOf(stack, "aws_sns_topic")).toEqual({});
    expect(resourcesOf(stack, "aws_kms_key")).toEqual({});
    expect(stack.output.alarm_topic_arn.value).toBe("arn:aws:sns:eu-west-1:222222222222:platform-oncall");
  });

  test("GIVEN a topic from another team's state, sharing that state with the KMS key, WHEN synthesized THEN both read one terraform_remote_state", () => {
    const input = environmentInput("staging");
    input.remoteStates = { platform: { bucket: "platform-state", key: "platform/shared.tfstate", region: "eu-west-1" } };
    input.protection = { ...input.protection, kmsKey: { remoteState: "platform", output: "kms_key_arn" } };
    input.alarms = { topic: { remoteState: "platform", output: "oncall_topic_arn" } };
    const stack = parse(synthEnvironment(input));
    expect(Object.keys(stack.data?.terraform_remote_state ?? {})).toEqual(["platform"]);
    expect(stack.output.alarm_topic_arn.value).toBe("${data.terraform_remote_state.platform.outputs.oncall_topic_arn}");
  });
});

describe("the created alarm topic", () => {
  test("GIVEN prod WHEN synthesized THEN the topic is encrypted with its own rotating key that CloudWatch may use", () => {
    expect(resourcesOf(stacks.prod, "aws_sns_topic").alarms).toMatchObject({
      name: "opsdata-prod-alarms",
      kms_master_key_id: "${aws_kms_key.alarm_topic.arn}",
    });
    const key = resourcesOf(stacks.prod, "aws_kms_key").alarm_topic;
    expect(key.enable_key_rotation).toBe(true);
    expect(JSON.parse(String(key.policy)).Statement).toEqual([
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::333333333333:root" },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": "333333333333" } },
      },
    ]);
    expect(resourcesOf(stacks.prod, "aws_kms_alias").alarm_topic).toMatchObject({ name: "alias/opsdata-prod-alarms-topic" });
    expect(stacks.prod.output.alarm_topic_arn.value).toBe("${aws_sns_topic.alarms.arn}");
  });
});
