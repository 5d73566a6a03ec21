/**
 * Bad operations config (alarms, topic, contributor insights, audit archive) is rejected at synth
 * with the environment, the field and the fix, and writes nothing.
 */
import { expectSynthRefuses, shippedEnvironments, type Environments } from "../helpers/bad-config";

const CASES: Array<[string, (environments: Environments) => void, RegExp]> = [
  [
    "a negative throttle threshold",
    (e) => (e.prod.alarms = { throttles: { threshold: -1 } }),
    /prod\.alarms\.throttles\.threshold: must be between 0 and 1000000 events per period/,
  ],
  [
    "an account utilization threshold above 100 %",
    (e) => (e.prod.alarms = { accountCapacityUtilization: { threshold: 120 } }),
    /prod\.alarms\.accountCapacityUtilization\.threshold: must be between 0 and 100 percent/,
  ],
  [
    "evaluation periods of 0",
    (e) => (e.staging.alarms = { systemErrors: { evaluationPeriods: 0 } }),
    /staging\.alarms\.systemErrors\.evaluationPeriods: must be at least 1; an alarm needs one period to evaluate/,
  ],
  [
    "a period that is not whole minutes",
    (e) => (e.staging.alarms = { throttles: { periodSeconds: 90 } }),
    /staging\.alarms\.throttles\.periodSeconds: must be a multiple of 60 seconds/,
  ],
  [
    "more datapoints than evaluation periods",
    (e) => (e.staging.alarms = { capacityAtMax: { evaluationPeriods: 2, datapointsToAlarm: 3 } }),
    /staging\.alarms\.capacityAtMax\.datapointsToAlarm: \(3\) is above evaluationPeriods \(2\); lower it or raise evaluationPeriods/,
  ],
  [
    "a window longer than a day",
    (e) => (e.staging.alarms = { capacityAtMax: { periodSeconds: 3600, evaluationPeriods: 25, datapointsToAlarm: 1 } }),
    /staging\.alarms\.capacityAtMax\.evaluationPeriods: periodSeconds x evaluationPeriods is 90000 s; this alarm evaluates at most 86400 s/,
  ],
  [
    "a system-errors window longer than Metrics Insights alarms evaluate",
    (e) => (e.staging.alarms = { systemErrors: { periodSeconds: 3600, evaluationPeriods: 4, datapointsToAlarm: 1 } }),
    /staging\.alarms\.systemErrors\.evaluationPeriods: periodSeconds x evaluationPeriods is 14400 s; this alarm evaluates at most 10800 s/,
  ],
  [
    "a replication-lag period shorter than the metric's five-minute publishing interval",
    (e) => (e.prod.alarms = { archiveReplicationLag: { periodSeconds: 60 } }),
    /prod\.alarms\.archiveReplicationLag\.periodSeconds: must be at least 300 seconds: AWS publishes this metric every 5 minutes/,
  ],
  [
    "a stream iterator-age threshold at or past the stream's retention",
    (e) => {
      e.staging.alarms = { archiveStreamIteratorAge: { threshold: 86_400 } };
      e.staging.auditArchive = { enabled: true, retentionYears: 1, streamRetentionHours: 24 };
    },
    /staging\.alarms\.archiveStreamIteratorAge\.threshold: \(86400 s\) is not below auditArchive\.streamRetentionHours \(24 h\)/,
  ],
  [
    "a topic ARN that is not an SNS ARN",
    (e) => (e.prod.alarms = { topic: { arn: "arn:aws:sqs:eu-west-1:333333333333:oncall" } }),
    /prod\.alarms\.topic\.arn: must be an SNS topic ARN \(arn:aws:sns:<region>:<account>:<name>\)/,
  ],
  [
    "a topic from an undeclared remote state",
    (e) => (e.prod.alarms = { topic: { remoteState: "platform", output: "oncall_topic_arn" } }),
    /prod\.alarms\.topic\.remoteState: "platform" is not declared in remoteStates; add it there/,
  ],
  [
    "an unknown contributor insights mode",
    (e) => (e.prod.contributorInsights = { enabled: true, mode: "ALL_KEYS" }),
    /prod\.contributorInsights\.mode: must be "THROTTLED_KEYS" \(always-on, throttled keys only\) or "ACCESSED_AND_THROTTLED_KEYS"/,
  ],
  [
    "a retention shorter than the table's TTL retention",
    (e) => (e.prod.auditArchive = { enabled: true, retentionYears: 1, tableTtlDays: 400 }),
    /prod\.auditArchive\.retentionYears: \(1 years\) is shorter than tableTtlDays \(400\).*raise retentionYears to at least 2/,
  ],
  [
    "a retention longer than S3 Object Lock allows",
    (e) => (e.prod.auditArchive = { enabled: true, retentionYears: 101 }),
    /prod\.auditArchive\.retentionYears: must be at most 100 years \(the S3 Object Lock maximum\)/,
  ],
  [
    "an archive on a table without a stream",
    (e) => (e.staging.auditArchive = { enabled: true, table: "api_keys", retentionYears: 1 }),
    /staging\.auditArchive\.table: api_keys declares no stream in tables\/; archive a table whose definition has a stream/,
  ],
  [
    "a stream retention beyond a year",
    (e) => (e.prod.auditArchive = { enabled: true, streamRetentionHours: 9000 }),
    /prod\.auditArchive\.streamRetentionHours: must be between 24 and 8760 hours/,
  ],
  [
    "Deep Archive before Glacier Instant Retrieval's minimum storage",
    (e) => (e.prod.auditArchive = { enabled: true, glacierInstantRetrievalAfterDays: 90, deepArchiveAfterDays: 120 }),
    /prod\.auditArchive\.deepArchiveAfterDays: \(120\) must be at least glacierInstantRetrievalAfterDays \+ 90 \(180/,
  ],
];

describe("bad operations config is rejected at synth, naming the field, writing nothing", () => {
  test.each(CASES)("%s", (_name, breakIt, message) => {
    const environments = shippedEnvironments();
    breakIt(environments);
    expectSynthRefuses(environments, message);
  });
});
