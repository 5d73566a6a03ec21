/**
 * The post-deploy checks, read-only, with the AWS SDK v3: the newest archived object is locked as
 * configured; every alarm exists and its metric exists with datapoints; the alarm topic has a
 * confirmed subscription. Each check yields one line; any GAP makes `npm run verify` exit non-zero.
 * Object retention: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectRetention.html
 * Metrics Insights queries read the last 3 hours only:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  type MetricAlarm,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { GetObjectRetentionCommand, ListObjectsV2Command, S3Client, type _Object } from "@aws-sdk/client-s3";
import { ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { metricSummary, type AlarmCheck, type ArchiveCheck, type Checklist } from "./checklist";
import { wrapLines } from "../config/output-width";

export interface Clients {
  readonly s3: S3Client;
  readonly cloudwatch: CloudWatchClient;
  readonly sns: SNSClient;
}

export type Outcome = "OK" | "GAP" | "INFO";
export interface CheckResult {
  readonly outcome: Outcome;
  /** What was checked ("archive", "alarm topic <arn>", "alarm \"<name>\""). */
  readonly subject: string;
  /** What was found, or what is missing. */
  readonly detail: string;
}

const HOUR_MS = 3_600_000;
/** How far back a metric's datapoints are looked for (Metrics Insights: at most 3 hours). */
const METRIC_LOOKBACK_MS = 24 * HOUR_MS;
const QUERY_LOOKBACK_MS = 3 * HOUR_MS;
/** DescribeAlarms accepts at most 100 names per call. */
const ALARM_NAMES_PER_CALL = 100;

export const clientsFor = (region: string): Clients => ({
  s3: new S3Client({ region }),
  cloudwatch: new CloudWatchClient({ region }),
  sns: new SNSClient({ region }),
});

const ok = (subject: string, detail: string): CheckResult => ({ outcome: "OK", subject, detail });
const gap = (subject: string, detail: string): CheckResult => ({ outcome: "GAP", subject, detail });
const info = (subject: string, detail: string): CheckResult => ({ outcome: "INFO", subject, detail });
const failure = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export async function runChecks(checklist: Checklist, clients: Clients, now = new Date()): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  if (checklist.archive) results.push(await checkArchive(checklist.archive, clients.s3, now));
  if (checklist.alarms.length === 0) return results;

  let found: MetricAlarm[];
  try {
    found = await describeAlarms(
      clients.cloudwatch,
      checklist.alarms.map((alarm) => alarm.alarmName),
    );
  } catch (error) {
    return [...results, gap("alarms", `DescribeAlarms failed (${failure(error)})`)];
  }
  const topics = [...new Set(found.flatMap((alarm) => alarm.AlarmActions ?? []).filter((arn) => arn.includes(":sns:")))];
  results.push(
    ...(topics.length
      ? await Promise.all(topics.map((topic) => checkTopic(topic, clients.sns)))
      : [gap("alarm topic", "no alarm notifies an SNS topic")]),
  );
  for (const alarm of checklist.alarms) {
    const inAws = found.find((candidate) => candidate.AlarmName === alarm.alarmName);
    results.push(
      inAws
        ? await checkMetric(alarm, inAws, clients.cloudwatch, now)
        : gap(`alarm "${alarm.alarmName}"`, "not found in CloudWatch (applied?)"),
    );
  }
  return results;
}

async function checkArchive(archive: ArchiveCheck, s3: S3Client, now: Date): Promise<CheckResult> {
  const subject = `archive s3://${archive.bucket}/${archive.prefix}`;
  try {
    const newest = await newestObject(s3, archive, now);
    if (!newest?.Key || !newest.LastModified) return gap(subject, "no object today or yesterday (UTC): is anything being archived?");
    const { Retention } = await s3.send(new GetObjectRetentionCommand({ Bucket: archive.bucket, Key: newest.Key }));
    const until = Retention?.RetainUntilDate;
    const earliest = new Date(newest.LastModified);
    earliest.setUTCFullYear(earliest.getUTCFullYear() + archive.retentionYears);
    earliest.setUTCDate(earliest.getUTCDate() - 1);
    const what =
      `newest ${newest.Key} (${newest.LastModified.toISOString()}): ` +
      `${Retention?.Mode ?? "no retention"} until ${until?.toISOString() ?? "-"}`;
    if (Retention?.Mode !== archive.mode) return gap(subject, `${what}; expected ${archive.mode}`);
    if (!until || until < earliest) return gap(subject, `${what}; expected >= ${archive.retentionYears} year(s) after it was written`);
    return ok(subject, what);
  } catch (error) {
    return gap(subject, `could not be read (${failure(error)})`);
  }
}

/** The newest object Firehose's date partitions hold for today or, early in the day, yesterday (UTC). */
async function newestObject(s3: S3Client, archive: ArchiveCheck, now: Date): Promise<_Object | undefined> {
  for (const day of [now, new Date(now.getTime() - 24 * HOUR_MS)]) {
    const [yyyy, mm, dd] = day.toISOString().slice(0, 10).split("-");
    const prefix = `${archive.prefix}year=${yyyy}/month=${mm}/day=${dd}/`;
    const objects: _Object[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: archive.bucket, Prefix: prefix, ContinuationToken: token }));
      objects.push(...(page.Contents ?? []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const newest = objects.sort((a, b) => (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0))[0];
    if (newest) return newest;
  }
  return undefined;
}

async function describeAlarms(cloudwatch: CloudWatchClient, names: string[]): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  for (let start = 0; start < names.length; start += ALARM_NAMES_PER_CALL) {
    const response = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(start, start + ALARM_NAMES_PER_CALL) }));
    alarms.push(...(response.MetricAlarms ?? []));
  }
  return alarms;
}

async function checkTopic(topicArn: string, sns: SNSClient): Promise<CheckResult> {
  try {
    const subscriptions = [];
    let token: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
      subscriptions.push(...(page.Subscriptions ?? []));
      token = page.NextToken;
    } while (token);
    // An unconfirmed subscription's ARN is "PendingConfirmation".
    const confirmed = subscriptions.filter((subscription) => subscription.SubscriptionArn?.startsWith("arn:"));
    const subject = `alarm topic ${topicArn}`;
    const detail = `${confirmed.length} confirmed of ${subscriptions.length} subscription(s)`;
    return confirmed.length > 0 ? ok(subject, detail) : gap(subject, `${detail}: nobody receives the alarms`);
  } catch (error) {
    return gap(`alarm topic ${topicArn}`, `could not list subscriptions (${failure(error)})`);
  }
}

async function checkMetric(alarm: AlarmCheck, inAws: MetricAlarm, cloudwatch: CloudWatchClient, now: Date): Promise<CheckResult> {
  const label = `alarm "${alarm.alarmName}"`;
  try {
    let query: MetricDataQuery;
    let what = metricSummary(alarm);
    let lookback: number;
    if ("query" in alarm.metric) {
      lookback = QUERY_LOOKBACK_MS;
      query = { Id: "q", Expression: alarm.metric.query, Period: alarm.metric.periodSeconds };
    } else {
      const { namespace, metricName } = alarm.metric;
      const dimensions = inAws.Dimensions ?? [];
      what += ` (${dimensions.map((d) => `${d.Name}=${d.Value}`).join(", ")})`;
      lookback = METRIC_LOOKBACK_MS;
      const listed = await cloudwatch.send(
        new ListMetricsCommand({ Namespace: namespace, MetricName: metricName, Dimensions: dimensions }),
      );
      if ((listed.Metrics ?? []).length === 0) {
        return alarm.data === "required"
          ? gap(label, `${what} does not exist in CloudWatch (no data in two weeks, or a wrong dimension)`)
          : info(label, `${what} not published yet (published only when it happens)`);
      }
      query = {
        Id: "m",
        MetricStat: {
          Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
          Period: inAws.Period,
          Stat: inAws.Statistic,
        },
      };
    }
    const data = await cloudwatch.send(
      new GetMetricDataCommand({ MetricDataQueries: [query], StartTime: new Date(now.getTime() - lookback), EndTime: now }),
    );
    const datapoints = (data.MetricDataResults ?? []).reduce((count, result) => count + (result.Values?.length ?? 0), 0);
    const detail = `${what}: ${datapoints} datapoint(s) in the last ${lookback / HOUR_MS} h`;
    if (datapoints > 0) return ok(label, detail);
    return alarm.data === "required" ? gap(label, detail) : info(label, `${detail} (published only when it happens)`);
  } catch (error) {
    return gap(label, `could not read its metric (${failure(error)})`);
  }
}

/** The report: one line per check and its detail (wrapped at 120 columns), then a summary; exit 1 on any gap. */
export function report(results: readonly CheckResult[]): { text: string; exitCode: number } {
  const gaps = results.filter((result) => result.outcome === "GAP").length;
  const lines = results.flatMap((result) => [`${result.outcome.padEnd(4)} ${result.subject}`, `     ${result.detail}`]);
  lines.push(`${results.length} check(s), ${gaps} gap(s)`);
  return { text: wrapLines(lines.join("\n")), exitCode: gaps > 0 ? 1 : 0 };
}
