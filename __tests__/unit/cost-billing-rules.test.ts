/**
 * One hand-worked case per billing rule (cost/billing-rules.ts), priced end to end on a small stack
 * built here, with the fixture's round prices (__tests__/fixtures/cost/prices): WCU-hour $0.001;
 * CDC $0.10 per million; Kinesis on demand $0.04 per stream-hour, $0.08/GB in, $0.04/GB retrieved,
 * $0.10 per GB-month of extended retention; Firehose $0.029/GB (set here: the fixture's is unknown);
 * S3 Standard $0.023/GB-month and $0.005 per 1,000 PUTs; Glacier IR $0.004/GB-month and $0.02 per
 * 1,000 transitions; Deep Archive $0.001/GB-month and $0.05 per 1,000 transitions; Contributor
 * Insights $0.50 per rule-month and $0.03 per million events. A month is 730 h = 2,628,000 s;
 * GB = 2^30 bytes, KB = 1,024 bytes.
 */
import { estimateEnvironment, type CostLine, type EnvironmentEstimate, type StackJson } from "../../cost/estimate";
import { firehoseObjectsPerMonth, kinesisRetentionGBMonths, provisionedFloorUnits } from "../../cost/billing-rules";
import { loadPrices, type PriceTable } from "../../cost/prices";
import { parseUsage } from "../../cost/usage";
import { FIXTURE_PRICES } from "../helpers/cost-fixtures";

const STACK: StackJson = {
  provider: { aws: [{ region: "eu-west-1" }] },
  resource: {
    aws_dynamodb_table: {
      keys: {
        name: "rules_keys",
        billing_mode: "PROVISIONED",
        table_class: "STANDARD",
        hash_key: "key",
        read_capacity: 5,
        write_capacity: 25,
        global_secondary_index: [
          {
            name: "by_account",
            hash_key: "account",
            range_key: "created",
            projection_type: "INCLUDE",
            read_capacity: 5,
            write_capacity: 25,
          },
        ],
      },
      audit: {
        name: "rules_audit",
        billing_mode: "PAY_PER_REQUEST",
        table_class: "STANDARD",
        hash_key: "account",
        range_key: "occurred",
        ttl: { attribute_name: "expires_at", enabled: true },
        on_demand_throughput: { max_read_request_units: 10, max_write_request_units: 10 },
      },
    },
    aws_appautoscaling_target: {
      keys_write: {
        min_capacity: 25,
        max_capacity: 2000,
        resource_id: "table/${aws_dynamodb_table.keys.name}",
        scalable_dimension: "dynamodb:table:WriteCapacityUnits",
        service_namespace: "dynamodb",
      },
      keys_by_account_write: {
        min_capacity: 25,
        max_capacity: 2000,
        resource_id: "table/${aws_dynamodb_table.keys.name}/index/by_account",
        scalable_dimension: "dynamodb:index:WriteCapacityUnits",
        service_namespace: "dynamodb",
      },
    },
    aws_appautoscaling_policy: {
      keys_write: {
        resource_id: "${aws_appautoscaling_target.keys_write.resource_id}",
        target_tracking_scaling_policy_configuration: { target_value: 70 },
      },
      keys_by_account_write: {
        resource_id: "${aws_appautoscaling_target.keys_by_account_write.resource_id}",
        target_tracking_scaling_policy_configuration: { target_value: 70 },
      },
    },
    aws_dynamodb_contributor_insights: {
      keys_all: { table_name: "${aws_dynamodb_table.keys.name}", mode: "ACCESSED_AND_THROTTLED_KEYS" },
      audit_throttled: { table_name: "${aws_dynamodb_table.audit.name}", mode: "THROTTLED_KEYS" },
    },
    aws_dynamodb_kinesis_streaming_destination: {
      audit: { table_name: "${aws_dynamodb_table.audit.name}", stream_arn: "${aws_kinesis_stream.audit.arn}" },
    },
    aws_kinesis_stream: { audit: { retention_period: 168, stream_mode_details: { stream_mode: "ON_DEMAND" } } },
    aws_kinesis_firehose_delivery_stream: {
      audit: {
        kinesis_source_configuration: { kinesis_stream_arn: "${aws_kinesis_stream.audit.arn}" },
        extended_s3_configuration: { bucket_arn: "${aws_s3_bucket.landing.arn}", buffering_interval: 300, buffering_size: 64 },
      },
    },
    // Firehose writes a landing bucket that expires objects after 30 days and replicates them into the archive.
    aws_s3_bucket: { landing: { bucket: "rules-landing" }, audit: { bucket: "rules-audit" } },
    aws_s3_bucket_replication_configuration: {
      landing: {
        bucket: "${aws_s3_bucket.landing.id}",
        rule: [{ status: "Enabled", destination: { bucket: "${aws_s3_bucket.audit.arn}", storage_class: "STANDARD" } }],
      },
    },
    aws_s3_bucket_lifecycle_configuration: {
      landing: { bucket: "${aws_s3_bucket.landing.id}", rule: [{ status: "Enabled", expiration: [{ days: 30 }] }] },
      audit: {
        bucket: "${aws_s3_bucket.audit.id}",
        rule: [
          {
            status: "Enabled",
            transition: [
              { days: 90, storage_class: "GLACIER_IR" },
              { days: 730, storage_class: "DEEP_ARCHIVE" },
            ],
          },
        ],
      },
    },
  },
};

const usage = (monthsArchived: number) =>
  parseUsage(
    {
      tables: {
        // 300 M writes of 1,500 B items: 2 WCU each; the index entry is 200 B: 1 WCU.
        keys: {
          itemCount: 0,
          averageItemBytes: 1500,
          newItemsPerMonth: 0,
          readsPerMonth: 0,
          writesPerMonth: 300_000_000,
          indexes: { by_account: { itemShare: 1, writeShare: 1, averageProjectedBytes: 200, readsPerMonth: 0 } },
        },
        // 1 M writes and 1 M TTL expiries a month, each a 1,500 B change record.
        audit: {
          itemCount: 0,
          averageItemBytes: 1500,
          newItemsPerMonth: 1_000_000,
          readsPerMonth: 0,
          writesPerMonth: 1_000_000,
          changeRecordBytes: 1500,
        },
      },
      archive: { compressionRatio: 0.25, monthsArchived },
    },
    "rules.json",
  );

function prices(): PriceTable {
  const fixture = loadPrices("eu-west-1", FIXTURE_PRICES);
  const firehose = { ...fixture.prices["firehose.ingestedGB"], usd: 0.029, status: "sourced" as const };
  return { ...fixture, prices: { ...fixture.prices, "firehose.ingestedGB": firehose } };
}

const estimate = (monthsArchived = 12): EnvironmentEstimate =>
  estimateEnvironment("dynamodb-rules", STACK, usage(monthsArchived), prices());
const tableLine = (e: EnvironmentEstimate, table: string, component: string): CostLine =>
  e.tables.find((t) => t.table === table)!.lines.find((l) => l.component === component)!;
const resourceLine = (e: EnvironmentEstimate, address: string, component: string): CostLine =>
  e.resources.find((r) => r.address === address && r.component === component)!;

describe("billing rule: provisioned floor = max(autoscaling min, declared traffic / target utilisation)", () => {
  it("GIVEN 300 M writes a month at 2 WCU and a 70 % target WHEN estimated THEN the table's write floor is 327 WCU, not the min of 25", () => {
    // 300,000,000 x 2 WCU / 2,628,000 s = 228.31 WCU average; / 0.70 = 326.17 -> 327 WCU; 327 x 730 h x $0.001 = $238.71
    expect(tableLine(estimate(), "keys", "table write capacity").floorUsd).toBeCloseTo(238.71, 9);
    // ceiling: the autoscaling max, 2,000 WCU x 730 h x $0.001
    expect(tableLine(estimate(), "keys", "table write capacity").ceilingUsd).toBeCloseTo(1460, 9);
  });

  it("GIVEN the index written on every write with a 200 B entry WHEN estimated THEN the index's floor follows its own traffic", () => {
    // 300,000,000 x 1 WCU / 2,628,000 s / 0.70 = 163.08 -> 164 WCU; 164 x 730 h x $0.001 = $119.72
    expect(tableLine(estimate(), "keys", "GSI by_account write capacity").floorUsd).toBeCloseTo(119.72, 9);
  });

  it("GIVEN traffic below the min or above the max WHEN the floor is computed THEN the min holds, and the max caps with a flag", () => {
    expect(provisionedFloorUnits({ min: 25, max: 2000, unitsPerMonth: 1_000_000, targetUtilizationPercent: 70 })).toEqual({
      units: 25, // 1,000,000 / 2,628,000 / 0.7 = 0.54 -> 1 < 25
      required: 1,
      aboveMax: false,
    });
    expect(provisionedFloorUnits({ min: 1, max: 10, unitsPerMonth: 52_560_000, targetUtilizationPercent: 50 })).toEqual({
      units: 10, // 52,560,000 / 2,628,000 = 20 / 0.5 = 40 > 10
      required: 40,
      aboveMax: true,
    });
  });
});

describe("billing rule: TTL expiries are billed downstream (CDC units, Kinesis, Firehose, S3)", () => {
  it("GIVEN 1 M writes and 1 M TTL expiries of 1,500 B items WHEN estimated THEN 2 M changes x 2 CDC units are billed", () => {
    // (1,000,000 + 1,000,000) x ceil(1,500 / 1,024) = 4,000,000 CDC units x $0.10/M = $0.40
    expect(tableLine(estimate(), "audit", "Kinesis streaming destination (audit)").floorUsd).toBeCloseTo(0.4, 9);
  });
});

describe("billing rule: Kinesis on demand rounds each record up to 1 KB; retrievals and retention beyond 24 h are billed", () => {
  it("GIVEN 2 M records of 1,500 B WHEN estimated THEN 2 KB each is billed in and again when Firehose reads it", () => {
    // 2,000,000 x 2 KB = 4,096,000,000 B = 3.814697 GB x $0.08 = $0.305176
    expect(resourceLine(estimate(), "aws_kinesis_stream.audit", "data in").floorUsd).toBeCloseTo(0.30517578125, 9);
    // one Firehose reader: 3.814697 GB x $0.04 = $0.152588
    expect(resourceLine(estimate(), "aws_kinesis_stream.audit", "data retrievals").floorUsd).toBeCloseTo(0.152587890625, 9);
    // 730 stream-hours x $0.04
    expect(resourceLine(estimate(), "aws_kinesis_stream.audit", "stream-hours (on-demand)").floorUsd).toBeCloseTo(29.2, 9);
  });

  it("GIVEN a 168 h retention WHEN estimated THEN the 144 h beyond the included 24 h are billed as extended retention", () => {
    // 3.814697 GB a month / 730 h x 144 h = 0.752488 GB-months x $0.10 = $0.0752488
    expect(resourceLine(estimate(), "aws_kinesis_stream.audit", "extended retention").floorUsd).toBeCloseTo(0.0752488227739726, 12);
    // beyond 7 days is long-term retention: 1 GB a month at 730 h retention = 24 + 144 extended + 562 long-term hours
    expect(kinesisRetentionGBMonths(730, 730)).toEqual({ extended: 144, longTerm: 562 });
  });
});

describe("billing rule: Firehose ingestion in 5 KB increments per record", () => {
  it("GIVEN 2 M records of 1,500 B WHEN estimated THEN each is billed as 5 KB", () => {
    // 2,000,000 x 5 KB = 10,240,000,000 B = 9.536743 GB x $0.029 = $0.276566
    expect(resourceLine(estimate(), "aws_kinesis_firehose_delivery_stream.audit", "ingestion").floorUsd).toBeCloseTo(
      0.2765655517578125,
      12,
    );
  });
});

describe("billing rule: S3 PUTs from Firehose's buffer settings, and again for each replicated object", () => {
  it("GIVEN 2.79 GB a month raw with a 300 s / 64 MiB buffer WHEN estimated THEN one object per 300 s flush", () => {
    // by interval 2,628,000 s / 300 s = 8,760 objects; by size 2.79 GB / 64 MiB = 44.7; the larger: 8,760 x $0.005/1,000 = $0.0438
    expect(resourceLine(estimate(), "aws_s3_bucket.landing", "PUTs").floorUsd).toBeCloseTo(0.0438, 12);
    // replication copies each object into the archive: 8,760 PUTs at the destination's (Standard) rate
    expect(resourceLine(estimate(), "aws_s3_bucket.audit", "PUTs").floorUsd).toBeCloseTo(0.0438, 12);
    // 900 s / 1 MiB: 3 GB fills 3,000,000,000 / 1,048,576 = 2,861 buffers, fewer than 2,628,000 / 900 = 2,920 intervals;
    // 30 GB fills 28,610.2 -> 28,611 buffers, more than the intervals
    expect(firehoseObjectsPerMonth(3_000_000_000, { intervalSeconds: 900, sizeMiB: 1 })).toBe(2920);
    expect(firehoseObjectsPerMonth(30_000_000_000, { intervalSeconds: 900, sizeMiB: 1 })).toBe(28611);
  });
});

describe("billing rule: S3 lifecycle tiers at their own rates, with transitions, minimum size and overhead", () => {
  it("GIVEN a 30-day expiration WHEN estimated THEN the bucket holds 30 days of objects, whatever its age", () => {
    // 0.698492 GB a month x 30 days / 30.416667 days a month = 0.688924 GB x $0.023 = $0.015845 (8,640 objects)
    expect(resourceLine(estimate(36), "aws_s3_bucket.landing", "S3 Standard storage").floorUsd).toBeCloseTo(0.015845241611951017, 12);
  });

  it("GIVEN 12 months archived and a move to Glacier IR at 90 days WHEN estimated THEN each tier holds its ages", () => {
    const e = estimate(12);
    // 2,000,000 x 1,500 B x 0.25 = 0.698492 GB a month; 90 days = 2.958904 months in Standard: 2.066771 GB x $0.023
    expect(resourceLine(e, "aws_s3_bucket.audit", "S3 Standard storage").floorUsd).toBeCloseTo(0.04753572483585305, 12);
    // objects are 0.698492 GB / 8,760 = 85,616 B, under Glacier IR's 128 KB minimum: 9.041096 months x 8,760 = 79,200
    // objects x 131,072 B = 9.667969 GB x $0.004 = $0.038672
    expect(resourceLine(e, "aws_s3_bucket.audit", "Glacier Instant Retrieval storage").floorUsd).toBeCloseTo(0.038671875, 12);
    // every object reaches 90 days: 8,760 transitions a month x $0.02/1,000
    expect(resourceLine(e, "aws_s3_bucket.audit", "transitions to Glacier Instant Retrieval").floorUsd).toBeCloseTo(0.1752, 12);
  });

  it("GIVEN 36 months archived WHEN estimated THEN the last 12 months of age sit in Deep Archive with its per-object overhead", () => {
    const e = estimate(36);
    // 105,120 objects x (85,616 + 32,768) B = 11.589911 GB x $0.001
    expect(resourceLine(e, "aws_s3_bucket.audit", "Glacier Deep Archive storage").floorUsd).toBeCloseTo(0.011589910984039307, 12);
    // Standard: 2.066771 GB + 105,120 x 8,192 B (Deep Archive's metadata at Standard's rate) = 2.868773 GB x $0.023
    expect(resourceLine(e, "aws_s3_bucket.audit", "S3 Standard storage").floorUsd).toBeCloseTo(0.06598176975772804, 12);
    // Glacier IR now holds days 90..730: 184,320 objects x 128 KB = 22.5 GB x $0.004 = $0.09
    expect(resourceLine(e, "aws_s3_bucket.audit", "Glacier Instant Retrieval storage").floorUsd).toBeCloseTo(0.09, 12);
    // 8,760 transitions a month x $0.05/1,000
    expect(resourceLine(e, "aws_s3_bucket.audit", "transitions to Glacier Deep Archive").floorUsd).toBeCloseTo(0.438, 12);
  });
});

describe("billing rule: Contributor Insights rules and events per mode", () => {
  it("GIVEN accessed-and-throttled keys on a table without a sort key WHEN estimated THEN 2 rules and every request", () => {
    // 2 rules x $0.50 + 300,000,000 writes x $0.03/M = $1.00 + $9.00
    const line = tableLine(estimate(), "keys", "contributor insights (keys_all, accessed and throttled keys)");
    expect([line.floorUsd, line.ceilingUsd]).toEqual([10, 10]);
  });

  it("GIVEN throttled keys only on a table with a sort key WHEN estimated THEN 2 rules (not 4); events only when throttled", () => {
    // most-throttled partition keys + most-throttled partition and sort keys: 2 x $0.50; floor no events,
    // ceiling every request throttled, two events per item with a sort key: 1,000,000 writes x 2 x $0.03/M = $0.06
    const line = tableLine(estimate(), "audit", "contributor insights (audit_throttled, throttled keys)");
    expect(line.floorUsd).toBeCloseTo(1, 12);
    expect(line.ceilingUsd).toBeCloseTo(1.06, 12);
  });
});
