/**
 * CloudWatch's alarm rule as pure logic, to show that an alarm can reach ALARM on the data its
 * metric actually gets. A metric published every `publishingSeconds` gives an alarm period of
 * `periodSeconds` one datapoint per period when the period is at least the publishing interval
 * (several, aggregated by the statistic, when longer) and leaves periods empty when it is shorter.
 * The alarm fires when at least `datapointsToAlarm` of the last `evaluationPeriods` periods breach;
 * an empty period breaches only when missing data is "breaching", and never for AWS/DynamoDB
 * metrics, whose alarms always ignore missing data:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
 * (CloudWatch may look further back for real datapoints when some are missing; that only helps a
 * series of real datapoints, so this model never claims an alarm fires when CloudWatch's would not.)
 */
export interface AlarmRule {
  readonly namespace: string;
  readonly statistic: "Sum" | "Maximum" | "Minimum" | "Average";
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparison: string;
  readonly threshold: number;
  readonly treatMissingData: string;
}

const AGGREGATE: Record<AlarmRule["statistic"], (values: number[]) => number> = {
  Sum: (values) => values.reduce((a, b) => a + b, 0),
  Maximum: (values) => Math.max(...values),
  Minimum: (values) => Math.min(...values),
  Average: (values) => values.reduce((a, b) => a + b, 0) / values.length,
};

/** The alarm's periods (oldest first) for a metric publishing `value` every `publishingSeconds` since `sinceSeconds` ago. */
export function alarmPeriods(rule: AlarmRule, publishingSeconds: number, value: number, sinceSeconds: number): Array<number | undefined> {
  const published = Array.from(
    { length: Math.floor(sinceSeconds / publishingSeconds) },
    (_, i) => sinceSeconds - (i + 1) * publishingSeconds,
  );
  return Array.from({ length: rule.evaluationPeriods }, (_, i) => {
    const end = (rule.evaluationPeriods - i - 1) * rule.periodSeconds;
    const inPeriod = published.filter((ago) => ago >= end && ago < end + rule.periodSeconds).map(() => value);
    return inPeriod.length > 0 ? AGGREGATE[rule.statistic](inPeriod) : undefined;
  });
}

const BREACHES: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanThreshold: (value, threshold) => value > threshold,
  GreaterThanOrEqualToThreshold: (value, threshold) => value >= threshold,
  LessThanThreshold: (value, threshold) => value < threshold,
  LessThanOrEqualToThreshold: (value, threshold) => value <= threshold,
};

export function wouldAlarm(rule: AlarmRule, periods: Array<number | undefined>): boolean {
  const missingBreaches = rule.treatMissingData === "breaching" && rule.namespace !== "AWS/DynamoDB";
  const breaching = periods
    .slice(-rule.evaluationPeriods)
    .filter((value) => (value === undefined ? missingBreaches : BREACHES[rule.comparison](value, rule.threshold))).length;
  return breaching >= rule.datapointsToAlarm;
}

/** A value of one published datapoint that breaches the rule however many fall into one period. */
export function breachingValue(rule: AlarmRule): number {
  if (rule.comparison.startsWith("Less")) return Math.min(0, rule.threshold - 1);
  return rule.threshold + 1;
}
