/**
 * The audit archive path and notifications, as another change may add them: each type is priced
 * from the usage file's `archive`/`notifications` numbers, and an unknown price stays unknown.
 * Fixture prices: S3 $0.023/GB-month and $0.005 per 1,000 PUTs; Kinesis $0.04 per stream-hour,
 * $0.08/GB in, $0.015 per shard-hour; Pipes $0.40/M; SNS $0.50/M; CDC $0.10/M; Firehose unknown.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EnvironmentEstimate, StackJson } from "../../cost/estimate";
import { estimateStacks } from "../../cost/run";
import { FIXTURE_PRICES, FIXTURE_USAGE, fixtureApp } from "../helpers/cost-fixtures";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function withArchive(): Record<string, StackJson> {
  const stacks = fixtureApp("before");
  Object.assign(stacks["dynamodb-fixture"].resource as Resources, {
    aws_dynamodb_kinesis_streaming_destination: {
      archive: { table_name: "${aws_dynamodb_table.archive.name}", stream_arn: "${aws_kinesis_stream.audit.arn}" },
    },
    aws_kinesis_stream: { audit: { stream_mode_details: { stream_mode: "ON_DEMAND" } }, replay: { shard_count: 2 } },
    aws_kinesis_firehose_delivery_stream: { audit: { destination: "extended_s3" } },
    aws_pipes_pipe: { audit: { source: "${aws_dynamodb_table.archive.stream_arn}" } },
    aws_s3_bucket: { audit_archive: { bucket: "fx-audit-archive" } },
    aws_s3_bucket_versioning: { audit_archive: { bucket: "${aws_s3_bucket.audit_archive.id}" } },
    aws_sns_topic: { alarms: { name: "fx-alarms" } },
  });
  return stacks;
}

const estimate = (stacks = withArchive(), usageDirectory = FIXTURE_USAGE): EnvironmentEstimate =>
  estimateStacks(stacks, { usageDirectory, pricesDirectory: FIXTURE_PRICES })[0];
const resource = (address: string) => estimate().resources.find((r) => r.address === address)!;

describe("cost estimate: the archive path", () => {
  it("GIVEN a Kinesis streaming destination on a table WHEN estimated THEN each write is a change data capture unit", () => {
    const line = estimate()
      .tables.find((t) => t.table === "archive")!
      .lines.find((l) => l.component === "Kinesis streaming destination (archive)")!;
    expect(line.floorUsd).toBeCloseTo(0.08, 9); // 800,000 writes x ceil(924 B / 1 KB) = 800,000 units x $0.10/M
  });

  it("GIVEN an on-demand and a provisioned Kinesis stream WHEN estimated THEN stream-hours plus data in, and shard-hours", () => {
    expect(resource("aws_kinesis_stream.audit").floorUsd).toBeCloseTo(30, 9); // 730 h x $0.04 + 10 GB x $0.08
    expect(resource("aws_kinesis_stream.replay").floorUsd).toBeCloseTo(21.9, 9); // 2 shards x 730 h x $0.015
  });

  it("GIVEN a bucket, a pipe and a topic WHEN estimated THEN storage + PUTs, requests and publishes are priced", () => {
    expect(resource("aws_s3_bucket.audit_archive").floorUsd).toBeCloseTo(7.3, 9); // 100 GB x $0.023 + 1,000,000 x $0.005/1,000
    expect(resource("aws_pipes_pipe.audit").floorUsd).toBeCloseTo(0.8, 9); // 2,000,000 x $0.40/M
    expect(resource("aws_sns_topic.alarms").floorUsd).toBeCloseTo(1, 9); // 2,000,000 x $0.50/M
  });

  it("GIVEN a Firehose stream whose price is unknown WHEN estimated THEN its cost is unknown and counted, not zero", () => {
    expect(resource("aws_kinesis_firehose_delivery_stream.audit")).toEqual(
      expect.objectContaining({ floorUsd: null, ceilingUsd: null, note: "price unknown: firehose.ingestedGB (eu-west-1)" }),
    );
    expect(estimate().unknownComponents).toBe(1);
  });

  it("GIVEN a bucket configuration resource WHEN estimated THEN it is free, its bucket priced once", () => {
    expect(estimate().free).toContainEqual({
      address: "aws_s3_bucket_versioning.audit_archive",
      reason: "configuration of a priced bucket",
    });
  });

  it("GIVEN a usage file without the archive numbers WHEN the stack has a Firehose stream THEN it fails naming the field", () => {
    const directory = mkdtempSync(join(tmpdir(), "cost-archive-"));
    try {
      const usage = JSON.parse(readFileSync(join(FIXTURE_USAGE, "fixture.json"), "utf8")) as Record<string, unknown>;
      delete usage.archive;
      writeFileSync(join(directory, "fixture.json"), JSON.stringify(usage));
      expect(() => estimate(withArchive(), directory)).toThrow(
        `${join(directory, "fixture.json")}: archive.firehoseIngestedGBPerMonth: required because the stack has aws_kinesis_firehose_delivery_stream.audit; add the expected number`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
