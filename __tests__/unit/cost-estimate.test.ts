/**
 * The estimate, hand-computed on the fixture stack (__tests__/fixtures/cost) with the fixture's round
 * prices: WCU-hour $0.001, RCU-hour $0.0002 (Standard-IA $0.00125, $0.00025); on-demand $1.00 per
 * million WRU, $0.20 per million RRU (Standard-IA $1.25, $0.25); storage $0.25/GB-month (IA $0.10);
 * PITR $0.20/GB-month; a month is 730 h = 2,628,000 s.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { estimateStacks } from "../../cost/run";
import type { CostLine, EnvironmentEstimate } from "../../cost/estimate";
import { FIXTURE_PRICES, FIXTURE_USAGE, fixtureApp } from "../helpers/cost-fixtures";

const estimate = (): EnvironmentEstimate =>
  estimateStacks(fixtureApp("before"), { usageDirectory: FIXTURE_USAGE, pricesDirectory: FIXTURE_PRICES })[0];
const table = (id: string) => estimate().tables.find((t) => t.table === id)!;
const component = (lines: readonly CostLine[], name: string) => lines.find((l) => l.component === name)!;

describe("cost estimate: provisioned Standard table (orders)", () => {
  it("GIVEN autoscaling 10..100 RCU WHEN estimated THEN the floor is the min and the ceiling the max, for 730 hours", () => {
    const read = component(table("orders").lines, "table read capacity");
    expect(read.floorUsd).toBeCloseTo(1.46, 9); // 10 RCU x 730 h x $0.0002
    expect(read.ceilingUsd).toBeCloseTo(14.6, 9); // 100 RCU x 730 h x $0.0002
  });

  it("GIVEN the GSI's own targets (read 2..20, write 5..50) WHEN estimated THEN the GSI capacity is priced from them", () => {
    const lines = table("orders").lines;
    expect(component(lines, "GSI by_customer read capacity").floorUsd).toBeCloseTo(0.292, 9); // 2 x 730 x 0.0002
    expect(component(lines, "GSI by_customer read capacity").ceilingUsd).toBeCloseTo(2.92, 9); // 20 x 730 x 0.0002
    expect(component(lines, "GSI by_customer write capacity").floorUsd).toBeCloseTo(3.65, 9); // 5 x 730 x 0.001
    expect(component(lines, "GSI by_customer write capacity").ceilingUsd).toBeCloseTo(36.5, 9); // 50 x 730 x 0.001
  });

  it("GIVEN 2^20 items of 924 B and an INCLUDE index on half of them at 412 B WHEN estimated THEN storage is 1.25 GB and PITR 1 GB", () => {
    const lines = table("orders").lines;
    // table (924 + 100) B x 2^20 = 1 GiB; index (412 + 100) B x 2^19 = 0.25 GiB; 1.25 x $0.25
    expect(component(lines, "storage (Standard)").floorUsd).toBeCloseTo(0.3125, 9);
    // PITR covers the table only: 1 GiB x $0.20
    expect(component(lines, "point-in-time recovery (35 days)").floorUsd).toBeCloseTo(0.2, 9);
  });

  it("GIVEN every component WHEN totalled THEN floor 9.5645 and ceiling 91.0325", () => {
    // floor 1.46 + 3.65 + 0.292 + 3.65 + 0.3125 + 0.2; ceiling 14.6 + 36.5 + 2.92 + 36.5 + 0.3125 + 0.2
    expect(table("orders").floorUsd).toBeCloseTo(9.5645, 9);
    expect(table("orders").ceilingUsd).toBeCloseTo(91.0325, 9);
  });
});

describe("cost estimate: on-demand Standard table with a sparse index (events)", () => {
  it("GIVEN 2M reads and 1M writes of 3996 B items WHEN estimated THEN the floor prices the request units", () => {
    const lines = table("events").lines;
    // reads: ceil(3996 / 4096) = 1 RRU each: 2,000,000 x $0.20/M
    expect(component(lines, "table read requests").floorUsd).toBeCloseTo(0.4, 9);
    // writes: ceil(3996 / 1024) = 4 WRU each: 4,000,000 x $1.00/M
    expect(component(lines, "table write requests").floorUsd).toBeCloseTo(4, 9);
  });

  it("GIVEN caps of 100 RRU/s and 10 WRU/s WHEN estimated THEN the ceiling is each cap sustained all month", () => {
    const lines = table("events").lines;
    expect(component(lines, "table read requests").ceilingUsd).toBeCloseTo(52.56, 9); // 100 x 2,628,000 x 0.2/M
    expect(component(lines, "table write requests").ceilingUsd).toBeCloseTo(26.28, 9); // 10 x 2,628,000 x 1/M
  });

  it("GIVEN a sparse ALL index written by half the writes and holding 1% of items WHEN estimated THEN only those are priced", () => {
    const lines = table("events").lines;
    // 1,000,000 writes x 0.5 x 4 WRU = 2,000,000 WRU x $1/M
    expect(component(lines, "GSI pending write requests").floorUsd).toBeCloseTo(2, 9);
    // 100,000 index reads x 1 RRU x $0.2/M
    expect(component(lines, "GSI pending read requests").floorUsd).toBeCloseTo(0.02, 9);
    // table 2^18 x 4096 B = 1 GiB, index 1% of it = 0.01 GiB: 1.01 x $0.25
    expect(component(lines, "storage (Standard)").floorUsd).toBeCloseTo(0.2525, 9);
  });

  it("GIVEN every component WHEN totalled THEN floor 6.6725 and ceiling 110.6285", () => {
    // floor 0.4 + 4 + 0.02 + 2 + 0.2525; ceiling 52.56 + 26.28 + 5.256 (10 RRU/s) + 26.28 + 0.2525
    expect(table("events").floorUsd).toBeCloseTo(6.6725, 9);
    expect(table("events").ceilingUsd).toBeCloseTo(110.6285, 9);
  });
});

describe("cost estimate: on-demand Standard-IA table with a stream (archive)", () => {
  it("GIVEN the Standard-IA class WHEN estimated THEN requests and storage use the Standard-IA rates", () => {
    const lines = table("archive").lines;
    expect(component(lines, "table read requests").floorUsd).toBeCloseTo(0.1, 9); // 400,000 RRU x $0.25/M
    expect(component(lines, "table write requests").floorUsd).toBeCloseTo(1, 9); // 800,000 WRU x $1.25/M
    expect(component(lines, "table write requests").ceilingUsd).toBeCloseTo(32.85, 9); // 10 x 2,628,000 x 1.25/M
    expect(component(lines, "storage (Standard-IA)").floorUsd).toBeCloseTo(0.1, 9); // 1 GiB x $0.10
    expect(component(lines, "point-in-time recovery (7 days)").floorUsd).toBeCloseTo(0.2, 9); // 1 GiB x $0.20
  });

  it("GIVEN a stream read only by Lambda (0 non-Lambda reads) and an unknown stream price WHEN estimated THEN it costs $0, known", () => {
    const stream = component(table("archive").lines, "stream (NEW_IMAGE)");
    expect(stream.floorUsd).toBe(0);
    expect(table("archive").unknownComponents).toBe(0);
  });

  it("GIVEN every component WHEN totalled THEN floor 1.40 and ceiling 39.72", () => {
    // floor 0.1 + 1 + 0.1 + 0.2; ceiling 6.57 (10 RRU/s x 2,628,000 x 0.25/M) + 32.85 + 0.1 + 0.2
    expect(table("archive").floorUsd).toBeCloseTo(1.4, 9);
    expect(table("archive").ceilingUsd).toBeCloseTo(39.72, 9);
  });
});

describe("cost estimate: the environment", () => {
  it("GIVEN a KMS key with rotation and one alarm WHEN estimated THEN they are priced outside the tables", () => {
    const resources = estimate().resources.map((r) => [r.address, r.floorUsd, r.ceilingUsd]);
    expect(resources).toEqual([
      ["aws_cloudwatch_metric_alarm.orders_throttles", 0.1, 0.1],
      ["aws_kms_key.tables", 1, 3], // $1 key-month; ceiling + 2 charged rotations
    ]);
  });

  it("GIVEN a resource type the tool cannot price WHEN estimated THEN it is listed as unpriced, not zero", () => {
    expect(estimate().unpriced).toEqual([{ address: "aws_lambda_function.archiver", type: "aws_lambda_function" }]);
  });

  it("GIVEN policies and autoscaling WHEN estimated THEN they are listed as free with a reason", () => {
    expect(estimate().free.map((f) => f.address)).toEqual([
      "aws_appautoscaling_policy.orders_read",
      "aws_appautoscaling_target.orders_by_customer_read",
      "aws_appautoscaling_target.orders_by_customer_write",
      "aws_appautoscaling_target.orders_read",
      "aws_appautoscaling_target.orders_write",
      "aws_dynamodb_resource_policy.archive",
    ]);
  });

  it("GIVEN all tables and resources WHEN totalled THEN floor 18.737 and ceiling 244.481", () => {
    // floor 9.5645 + 6.6725 + 1.40 + 1.00 (KMS) + 0.10 (alarm); ceiling 91.0325 + 110.6285 + 39.72 + 3.00 + 0.10
    expect(estimate().floorUsd).toBeCloseTo(18.737, 9);
    expect(estimate().ceilingUsd).toBeCloseTo(244.481, 9);
  });

  it("GIVEN one usage path listed as measured WHEN estimated THEN every other used value is reported as an assumption", () => {
    // orders is provisioned: its declared requests are used too (the floor follows them when above the min).
    expect(estimate().assumptions).toEqual([
      "tables.archive.averageItemBytes",
      "tables.archive.itemCount",
      "tables.archive.readsPerMonth",
      "tables.archive.streamReadRequestsPerMonth",
      "tables.archive.writesPerMonth",
      "tables.events.averageItemBytes",
      "tables.events.indexes.pending.averageProjectedBytes",
      "tables.events.indexes.pending.itemShare",
      "tables.events.indexes.pending.readsPerMonth",
      "tables.events.indexes.pending.writeShare",
      "tables.events.itemCount",
      "tables.events.readsPerMonth",
      "tables.events.writesPerMonth",
      "tables.orders.averageItemBytes",
      "tables.orders.indexes.by_customer.averageProjectedBytes",
      "tables.orders.indexes.by_customer.itemShare",
      "tables.orders.indexes.by_customer.readsPerMonth",
      "tables.orders.indexes.by_customer.writeShare",
      "tables.orders.readsPerMonth",
      "tables.orders.writesPerMonth",
    ]);
  });

  it("GIVEN a table without an on-demand cap WHEN estimated THEN its ceiling is unbounded, not a number", () => {
    const stacks = fixtureApp("before");
    const events = (stacks["dynamodb-fixture"].resource as Record<string, Record<string, Record<string, unknown>>>).aws_dynamodb_table
      .events;
    delete events.on_demand_throughput;
    const [result] = estimateStacks(stacks, { usageDirectory: FIXTURE_USAGE, pricesDirectory: FIXTURE_PRICES });
    const reads = result.tables.find((t) => t.table === "events")!.lines.find((l) => l.component === "table read requests")!;
    expect(reads.ceilingUsd).toBeNull();
    expect(reads.note).toBe("unbounded: no max_read_request_units cap");
    expect(result.ceilingUnbounded).toBe(true);
  });

  it("GIVEN contributor insights (default mode) on a table without a sort key WHEN estimated THEN 2 rules plus every read and write", () => {
    const stacks = fixtureApp("before");
    (stacks["dynamodb-fixture"].resource as Record<string, Record<string, Record<string, unknown>>>).aws_dynamodb_contributor_insights = {
      events: { table_name: "${aws_dynamodb_table.events.name}" },
    };
    const [result] = estimateStacks(stacks, { usageDirectory: FIXTURE_USAGE, pricesDirectory: FIXTURE_PRICES });
    const insights = result.tables
      .find((t) => t.table === "events")!
      .lines.find((l) => l.component === "contributor insights (events, accessed and throttled keys)")!;
    // 2 rules x $0.50 + (2,000,000 reads + 1,000,000 writes) x $0.03/M
    expect(insights.floorUsd).toBeCloseTo(1.09, 9);
    expect(insights.ceilingUsd).toBeCloseTo(1.09, 9);
  });

  it("GIVEN expected traffic above an on-demand cap WHEN estimated THEN it warns that requests would be throttled", () => {
    const directory = mkdtempSync(join(tmpdir(), "cost-warning-"));
    try {
      const usage = JSON.parse(readFileSync(join(FIXTURE_USAGE, "fixture.json"), "utf8"));
      usage.tables.events.writesPerMonth = 10_000_000; // 40,000,000 WRU > 10 WRU/s x 2,628,000 s = 26,280,000
      writeFileSync(join(directory, "fixture.json"), JSON.stringify(usage));
      const [result] = estimateStacks(fixtureApp("before"), { usageDirectory: directory, pricesDirectory: FIXTURE_PRICES });
      expect(result.warnings).toContain(
        "events table writes: usage (40,000,000 WRU/month) exceeds the cap sustained all month; requests would be throttled",
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("GIVEN an INCLUDE index entry larger than its item WHEN estimated THEN it warns naming the usage field", () => {
    const directory = mkdtempSync(join(tmpdir(), "cost-warning-"));
    try {
      const usage = JSON.parse(readFileSync(join(FIXTURE_USAGE, "fixture.json"), "utf8"));
      usage.tables.orders.indexes.by_customer.averageProjectedBytes = 2000;
      writeFileSync(join(directory, "fixture.json"), JSON.stringify(usage));
      const [result] = estimateStacks(fixtureApp("before"), { usageDirectory: directory, pricesDirectory: FIXTURE_PRICES });
      expect(result.warnings).toEqual([
        `${join(directory, "fixture.json")}: tables.orders.indexes.by_customer.averageProjectedBytes (2000) is above the item size (924) but the index projects only some attributes`,
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("GIVEN a price override file WHEN estimated THEN the override replaces the price and is marked", () => {
    const directory = mkdtempSync(join(tmpdir(), "cost-override-"));
    try {
      const file = join(directory, "overrides.json");
      writeFileSync(
        file,
        JSON.stringify({
          "eu-west-1": {
            "dynamodb.provisioned.standard.writeCapacityUnitHour": { usd: 0.002, source: "our contract", read: "2026-11-01" },
          },
        }),
      );
      const [result] = estimateStacks(fixtureApp("before"), {
        usageDirectory: FIXTURE_USAGE,
        pricesDirectory: FIXTURE_PRICES,
        pricesOverride: file,
      });
      const write = result.tables.find((t) => t.table === "orders")!.lines.find((l) => l.component === "table write capacity")!;
      expect(write.floorUsd).toBeCloseTo(7.3, 9); // 5 WCU x 730 h x $0.002
      expect(result.priceCaveats).toContainEqual({
        key: "dynamodb.provisioned.standard.writeCapacityUnitHour",
        status: "overridden",
        source: "our contract",
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
