/**
 * `npm run verify`: the checklist read from the synthesized stack, and the checks' logic against
 * recorded AWS responses (aws-sdk-client-mock; nothing leaves the process).
 */
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { GetObjectRetentionCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { checklistFor, describeChecklist, type Checklist } from "../../verify/checklist";
import { report, runChecks } from "../../verify/run";
import { environmentInput, shippedStacks } from "../helpers/synth";

const s3 = mockClient(S3Client);
const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const clients = {
  s3: new S3Client({ region: "eu-west-1" }),
  cloudwatch: new CloudWatchClient({ region: "eu-west-1" }),
  sns: new SNSClient({}),
};

const NOW = new Date("2026-12-02T00:20:00Z");
const TOPIC = "arn:aws:sns:eu-west-1:333333333333:opsdata-prod-alarms";
const BUCKET = "opsdata-prod-audit-logs-archive-333333333333";
const CHECKLIST: Checklist = {
  environment: "prod",
  region: "eu-west-1",
  archive: { bucket: BUCKET, prefix: "entries/", mode: "COMPLIANCE", retentionYears: 7 },
  alarms: [
    { alarmName: "capacity", metric: { namespace: "AWS/DynamoDB", metricName: "ProvisionedReadCapacityUnits" }, data: "required" },
    { alarmName: "throttles", metric: { namespace: "AWS/DynamoDB", metricName: "ReadThrottleEvents" }, data: "on-event" },
    {
      alarmName: "lag",
      metric: {
        query: `SELECT MAX(AgeOfOldestUnreplicatedRecord) FROM SCHEMA("AWS/DynamoDB", DelegatedOperation, TableName)`,
        periodSeconds: 300,
      },
      data: "on-event",
    },
  ],
};
const alarmInAws = (name: string) => ({
  AlarmName: name,
  AlarmActions: [TOPIC],
  Dimensions: [{ Name: "TableName", Value: "opsdata_prod_api_keys" }],
  Period: 300,
  Statistic: "Maximum" as const,
});
const written = new Date("2026-12-01T23:55:00Z");

/** An environment where everything is as it should be; each test breaks one thing. */
function healthy() {
  s3.reset();
  cloudwatch.reset();
  sns.reset();
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3.on(ListObjectsV2Command, { Prefix: "entries/year=2026/month=12/day=01/" }).resolves({
    Contents: [
      { Key: "entries/year=2026/month=12/day=01/a.json.gz", LastModified: new Date("2026-12-01T10:00:00Z") },
      { Key: "entries/year=2026/month=12/day=01/b.json.gz", LastModified: written },
    ],
  });
  s3.on(GetObjectRetentionCommand).resolves({ Retention: { Mode: "COMPLIANCE", RetainUntilDate: new Date("2033-12-01T23:55:00Z") } });
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: CHECKLIST.alarms.map((alarm) => alarmInAws(alarm.alarmName)) });
  cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [{ MetricName: "ProvisionedReadCapacityUnits" }] });
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "m", Values: [5, 5, 5] }] });
  sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      { SubscriptionArn: `${TOPIC}:6f1c`, Protocol: "email" },
      { SubscriptionArn: "PendingConfirmation", Protocol: "email" },
    ],
  });
}

const run = async () => report(await runChecks(CHECKLIST, clients, NOW));

describe("npm run verify's checks", () => {
  beforeEach(healthy);

  test("GIVEN a healthy environment WHEN verified THEN every check is OK, with what it saw, and the exit code is 0", async () => {
    const { text, exitCode } = await run();
    expect(text.split("\n")).toEqual([
      `OK   archive s3://${BUCKET}/entries/`,
      "     newest entries/year=2026/month=12/day=01/b.json.gz (2026-12-01T23:55:00.000Z): COMPLIANCE until",
      "         2033-12-01T23:55:00.000Z",
      `OK   alarm topic ${TOPIC}`,
      "     1 confirmed of 2 subscription(s)",
      'OK   alarm "capacity"',
      "     AWS/DynamoDB ProvisionedReadCapacityUnits (TableName=opsdata_prod_api_keys): 3 datapoint(s) in the last 24 h",
      'OK   alarm "throttles"',
      "     AWS/DynamoDB ReadThrottleEvents (TableName=opsdata_prod_api_keys): 3 datapoint(s) in the last 24 h",
      'OK   alarm "lag"',
      "     Metrics Insights MAX(AgeOfOldestUnreplicatedRecord): 3 datapoint(s) in the last 3 h",
      "5 check(s), 0 gap(s)",
    ]);
    expect(exitCode).toBe(0);
    // Just after midnight the newest object is in yesterday's partition: today's was looked at first.
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix)).toEqual([
      "entries/year=2026/month=12/day=02/",
      "entries/year=2026/month=12/day=01/",
    ]);
    expect(s3.commandCalls(GetObjectRetentionCommand)[0].args[0].input).toEqual({
      Bucket: BUCKET,
      Key: "entries/year=2026/month=12/day=01/b.json.gz",
    });
  });

  test("GIVEN the newest object locked in GOVERNANCE mode WHEN verified THEN it is a gap", async () => {
    s3.on(GetObjectRetentionCommand).resolves({ Retention: { Mode: "GOVERNANCE", RetainUntilDate: new Date("2033-12-01T23:55:00Z") } });
    const { text, exitCode } = await run();
    expect(text).toContain("GAP  archive");
    expect(text).toContain("GOVERNANCE until\n         2033-12-01T23:55:00.000Z; expected COMPLIANCE");
    expect(exitCode).toBe(1);
  });

  test("GIVEN a retention shorter than configured WHEN verified THEN it is a gap", async () => {
    s3.on(GetObjectRetentionCommand).resolves({ Retention: { Mode: "COMPLIANCE", RetainUntilDate: new Date("2027-12-01T23:55:00Z") } });
    expect((await run()).text).toContain("expected >= 7 year(s) after it was written");
  });

  test("GIVEN no object today or yesterday WHEN verified THEN it is a gap", async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    expect((await run()).text).toContain("no object today or yesterday (UTC): is anything being archived?");
  });

  test("GIVEN only unconfirmed subscriptions WHEN verified THEN the topic is a gap", async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ SubscriptionArn: "PendingConfirmation" }] });
    const { text, exitCode } = await run();
    expect(text).toContain("0 confirmed of 1 subscription(s): nobody receives the alarms");
    expect(exitCode).toBe(1);
  });

  test("GIVEN an alarm missing in CloudWatch WHEN verified THEN it is a gap", async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarmInAws("capacity"), alarmInAws("lag")] });
    expect((await run()).text).toContain('GAP  alarm "throttles"\n     not found in CloudWatch (applied?)');
  });

  test("GIVEN no metric and no datapoints WHEN verified THEN a continuous metric is a gap and an on-event one only reported", async () => {
    cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "q", Values: [] }] });
    const { text, exitCode } = await run();
    expect(text).toContain(
      'GAP  alarm "capacity"\n     AWS/DynamoDB ProvisionedReadCapacityUnits (TableName=opsdata_prod_api_keys) does not exist',
    );
    expect(text).toContain(
      'INFO alarm "throttles"\n     AWS/DynamoDB ReadThrottleEvents (TableName=opsdata_prod_api_keys) not published yet',
    );
    expect(text).toContain(
      'INFO alarm "lag"\n     Metrics Insights MAX(AgeOfOldestUnreplicatedRecord): 0 datapoint(s) in the last 3 h (published only',
    );
    expect(text.endsWith("5 check(s), 1 gap(s)")).toBe(true);
    expect(exitCode).toBe(1);
  });

  test("GIVEN no credentials WHEN verified THEN each check reports the SDK's error as a gap instead of throwing", async () => {
    const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    s3.on(ListObjectsV2Command).rejects(noCredentials);
    cloudwatch.on(DescribeAlarmsCommand).rejects(noCredentials);
    const { text, exitCode } = await run();
    expect(text.split("\n")).toEqual([
      `GAP  archive s3://${BUCKET}/entries/`,
      "     could not be read (CredentialsProviderError: Could not load credentials from any providers)",
      "GAP  alarms",
      "     DescribeAlarms failed (CredentialsProviderError: Could not load credentials from any providers)",
      "2 check(s), 2 gap(s)",
    ]);
    expect(exitCode).toBe(1);
  });
});

describe("the checklist", () => {
  const prod = checklistFor(
    { name: "prod", aws: { region: "eu-west-1" }, auditArchive: { enabled: true, retentionYears: 7 } },
    shippedStacks()["dynamodb-prod"],
  );

  test("GIVEN prod WHEN read from the synthesized stack THEN it names the locked bucket and every alarm", () => {
    expect(prod.archive).toEqual({ bucket: BUCKET, prefix: "entries/", mode: "COMPLIANCE", retentionYears: 7 });
    const alarms = shippedStacks()["dynamodb-prod"].resource!.aws_cloudwatch_metric_alarm;
    expect(prod.alarms).toHaveLength(Object.keys(alarms).length);
    expect(prod.alarms.find((alarm) => alarm.alarmName === "opsdata_prod_audit_logs archive heartbeat")).toEqual({
      alarmName: "opsdata_prod_audit_logs archive heartbeat",
      metric: { namespace: "AWS/Firehose", metricName: "DeliveryToS3.Records" },
      data: "required",
    });
  });

  test("GIVEN prod WHEN --dry-run prints the checklist THEN it fits 120 columns and calls nothing", () => {
    const lines = describeChecklist(prod);
    expect(lines[0]).toBe("verify prod (eu-west-1): the checks, without calling AWS (--dry-run)");
    expect(lines).toContain("    Metrics Insights MAX(AgeOfOldestUnreplicatedRecord): datapoints reported, none is fine (on events)");
    expect(lines.filter((line) => line.length > 120)).toEqual([]);
  });

  test("GIVEN dev (no alarms, no archive) WHEN described THEN it says there is nothing to check", () => {
    const dev = checklistFor(
      { ...environmentInput("dev"), auditArchive: { enabled: false, retentionYears: 1 } },
      shippedStacks()["dynamodb-dev"],
    );
    expect(describeChecklist(dev)).toEqual([
      "verify dev (eu-west-1): the checks, without calling AWS (--dry-run)",
      "- nothing: alarms are off and there is no archive in this environment",
    ]);
  });
});
