/**
 * The audit archive path as the stack wires it (table -> Kinesis streaming destination -> stream ->
 * Firehose -> bucket) and notifications: volumes are derived along the wiring, and an unknown price
 * stays unknown. Fixture prices: S3 $0.023/GB-month and $0.005 per 1,000 PUTs; Kinesis $0.04 per
 * stream-hour, $0.08/GB in, $0.015 per shard-hour; Pipes $0.40/M; SNS $0.50/M; CDC $0.10/M; Firehose
 * unknown. The rules themselves are hand-worked in cost-billing-rules.test.ts.
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
    aws_kinesis_firehose_delivery_stream: {
      audit: {
        destination: "extended_s3",
        kinesis_source_configuration: { kinesis_stream_arn: "${aws_kinesis_stream.audit.arn}" },
        extended_s3_configuration: { bucket_arn: "${aws_s3_bucket.audit_archive.arn}" },
      },
    },
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

const component = (address: string, name: string) => estimate().resources.find((r) => r.address === address && r.component === name)!;

describe("cost estimate: the archive path", () => {
  it("GIVEN a Kinesis streaming destination on a table without TTL WHEN estimated THEN each write is a change data capture unit", () => {
    const line = estimate()
      .tables.find((t) => t.table === "archive")!
      .lines.find((l) => l.component === "Kinesis streaming destination (archive)")!;
    expect(line.floorUsd).toBeCloseTo(0.08, 9); // 800,000 writes x ceil(924 B / 1 KB) = 800,000 units x $0.10/M
  });

  it("GIVEN the table streams into an on-demand stream WHEN estimated THEN its records are the stream's data in", () => {
    // 800,000 records x 1,500 B rounded up to 2 KB = 1.525879 GB x $0.08
    expect(component("aws_kinesis_stream.audit", "data in").floorUsd).toBeCloseTo(0.1220703125, 12);
    expect(component("aws_kinesis_stream.audit", "stream-hours (on-demand)").floorUsd).toBeCloseTo(29.2, 9); // 730 h x $0.04
  });

  it("GIVEN a provisioned stream WHEN estimated THEN shard-hours", () => {
    expect(resource("aws_kinesis_stream.replay").floorUsd).toBeCloseTo(21.9, 9); // 2 shards x 730 h x $0.015
  });

  it("GIVEN Firehose delivers the stream to the bucket WHEN estimated THEN the bucket holds its compressed records and one PUT per flush", () => {
    // 800,000 x 1,500 B x 0.25 = 0.279397 GB a month, kept 12 months, no lifecycle: 3.352761 GB x $0.023
    expect(component("aws_s3_bucket.audit_archive", "S3 Standard storage").floorUsd).toBeCloseTo(0.07711350917816162, 12);
    // Firehose's default buffer (300 s, 5 MiB): 1.2 GB / 5 MiB = 229 flushes < 8,760 intervals; 8,760 x $0.005/1,000
    expect(component("aws_s3_bucket.audit_archive", "PUTs").floorUsd).toBeCloseTo(0.0438, 12);
  });

  it("GIVEN a pipe and a topic WHEN estimated THEN requests and publishes are priced", () => {
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

  it("GIVEN a bucket nothing delivers to WHEN estimated THEN $0 with a warning, not a guess", () => {
    const stacks = withArchive();
    (stacks["dynamodb-fixture"].resource as Resources).aws_s3_bucket.other = { bucket: "fx-other" };
    expect(estimate(stacks).warnings).toContain(
      "aws_s3_bucket.other: nothing in the stack delivers to it; its storage and requests are not modelled ($0 here)",
    );
  });

  it("GIVEN a usage file without the archive numbers WHEN the stack has a bucket Firehose writes to THEN it fails naming the field", () => {
    const directory = mkdtempSync(join(tmpdir(), "cost-archive-"));
    try {
      const usage = JSON.parse(readFileSync(join(FIXTURE_USAGE, "fixture.json"), "utf8")) as Record<string, Record<string, unknown>>;
      delete usage.archive.compressionRatio;
      writeFileSync(join(directory, "fixture.json"), JSON.stringify(usage));
      expect(() => estimate(withArchive(), directory)).toThrow(
        `${join(directory, "fixture.json")}: archive.compressionRatio: required because the stack has aws_s3_bucket.audit_archive; add the expected number`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("GIVEN a streamed table without its change record size WHEN estimated THEN it fails naming the field and the fix", () => {
    const directory = mkdtempSync(join(tmpdir(), "cost-archive-"));
    try {
      const usage = JSON.parse(readFileSync(join(FIXTURE_USAGE, "fixture.json"), "utf8")) as {
        tables: Record<string, Record<string, unknown>>;
      };
      delete usage.tables.archive.changeRecordBytes;
      writeFileSync(join(directory, "fixture.json"), JSON.stringify(usage));
      expect(() => estimate(withArchive(), directory)).toThrow(
        `${join(directory, "fixture.json")}: tables.archive.changeRecordBytes: required because aws_dynamodb_kinesis_streaming_destination.archive streams the table to aws_kinesis_stream.audit; add the average change record size (CloudWatch IncomingBytes / IncomingRecords)`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("GIVEN the streamed table missing from the usage file WHEN estimated THEN it is priced with default usage (no changes), not a failure", () => {
    const directory = mkdtempSync(join(tmpdir(), "cost-archive-"));
    try {
      const usage = JSON.parse(readFileSync(join(FIXTURE_USAGE, "fixture.json"), "utf8")) as { tables: Record<string, unknown> };
      delete usage.tables.archive;
      writeFileSync(join(directory, "fixture.json"), JSON.stringify(usage));
      const result = estimate(withArchive(), directory);
      expect(result.tables.find((t) => t.table === "archive")!.defaultUsage).toBe(true);
      // nothing streams into the stream: only its stream-hours, 730 h x $0.04
      expect(result.resources.filter((r) => r.address === "aws_kinesis_stream.audit").map((r) => r.floorUsd)).toEqual([29.2, 0, 0, 0]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
