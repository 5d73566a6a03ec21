/**
 * Bad cost input is refused with a message naming the file and the field (and the fix), never a
 * stack trace or a silent zero.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { CostInputError } from "../../cost/errors";
import { loadPrices } from "../../cost/prices";
import { estimateStacks, usageWarnings } from "../../cost/run";
import { FIXTURE_PRICES, FIXTURE_USAGE, fixtureApp, fixtureStack } from "../helpers/cost-fixtures";

// Bad input is, by definition, not what the types allow.
type AnyRecord = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "cost-bad-input-"));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes the fixture usage file with one edit and estimates with it. */
function estimateWithUsage(edit: (usage: AnyRecord) => void) {
  const usage = JSON.parse(readFileSync(join(FIXTURE_USAGE, "fixture.json"), "utf8")) as AnyRecord;
  edit(usage);
  writeFileSync(join(scratch, "fixture.json"), JSON.stringify(usage));
  return () => estimateStacks(fixtureApp("before"), { usageDirectory: scratch, pricesDirectory: FIXTURE_PRICES });
}

describe("cost bad input: usage file", () => {
  const file = () => join(scratch, "fixture.json");

  it("GIVEN a negative item count WHEN estimated THEN it fails naming the file and field", () => {
    expect(estimateWithUsage((u) => (u.tables.orders.itemCount = -5))).toThrow(`${file()}: tables.orders.itemCount: must not be negative`);
  });

  it("GIVEN a non-numeric request count WHEN estimated THEN it fails naming the file and field", () => {
    expect(estimateWithUsage((u) => (u.tables.events.readsPerMonth = "2M"))).toThrow(
      `${file()}: tables.events.readsPerMonth: must be a number (a count, not a string)`,
    );
  });

  it("GIVEN an index share above 1 WHEN estimated THEN it fails naming the index field", () => {
    expect(estimateWithUsage((u) => (u.tables.events.indexes.pending.itemShare = 2))).toThrow(
      `${file()}: tables.events.indexes.pending.itemShare: must be between 0 and 1 (a fraction)`,
    );
  });

  it("GIVEN usage for a table the stack does not have WHEN estimated THEN it warns naming the table, and prices the rest", () => {
    const [result] = estimateWithUsage((u) => (u.tables.invoices = u.tables.orders))();
    expect(result.warnings).toContain(
      `${file()}: tables.invoices: no such table in dynamodb-fixture (it has orders, events, archive); ignored, remove it or fix the name`,
    );
  });

  it("GIVEN no usage for a table the stack has WHEN estimated THEN it is priced with labelled default usage and a warning", () => {
    const [result] = estimateWithUsage((u) => delete u.tables.archive)();
    const archive = result.tables.find((t) => t.table === "archive")!;
    expect(archive.defaultUsage).toBe(true);
    // no items, no traffic: on demand that is $0 (its ceiling, the caps, stays)
    expect(archive.floorUsd).toBe(0);
    expect(result.warnings).toContain(
      `${file()}: tables.archive: not described; priced with no items and no traffic (default): add itemCount, averageItemBytes, newItemsPerMonth, readsPerMonth, writesPerMonth`,
    );
  });

  it("GIVEN no usage for an index the table has WHEN estimated THEN it is priced as a full index of the table's items, with a warning", () => {
    const [result] = estimateWithUsage((u) => delete u.tables.events.indexes.pending)();
    const events = result.tables.find((t) => t.table === "events")!;
    // every one of the 1,000,000 writes also writes the index at the item's 3,996 B: 4 WRU each x $1/M
    expect(events.lines.find((l) => l.component === "GSI pending (default usage) write requests")!.floorUsd).toBeCloseTo(4, 9);
    expect(result.warnings).toContain(
      `${file()}: tables.events.indexes.pending: not described; priced as holding and written with every item at 3996 B, no reads (default): add itemShare, writeShare, averageProjectedBytes, readsPerMonth`,
    );
  });

  it("GIVEN an unknown field WHEN estimated THEN it fails naming it", () => {
    expect(estimateWithUsage((u) => (u.tables.orders.itemcount = 5))).toThrow(
      `${file()}: tables.orders: unknown field(s) itemcount; remove them or fix the name`,
    );
  });

  it("GIVEN an archive volume the estimate now derives WHEN estimated THEN it fails saying it is derived, not a typo", () => {
    expect(estimateWithUsage((u) => (u.archive.s3PutRequestsPerMonth = 50_000_000))).toThrow(
      `${file()}: archive: s3PutRequestsPerMonth: no longer asked for, derived from the stack and the tables' usage (docs/cost.md); remove them`,
    );
  });

  it("GIVEN an environment without a usage file WHEN estimated THEN it fails naming the file to create", () => {
    expect(() => estimateStacks(fixtureApp("before"), { usageDirectory: scratch, pricesDirectory: FIXTURE_PRICES })).toThrow(
      `${join(scratch, "fixture.json")}: no usage file for environment fixture; copy cost/usage/dev.json and fill in its numbers`,
    );
  });

  it("GIVEN an unknown environment WHEN estimated THEN it fails listing the environments", () => {
    expect(() =>
      estimateStacks(fixtureApp("before"), { environment: "qa", usageDirectory: FIXTURE_USAGE, pricesDirectory: FIXTURE_PRICES }),
    ).toThrow(new CostInputError("--env qa: unknown environment; one of fixture"));
  });
});

describe("cost bad input: price files", () => {
  it("GIVEN a region without a price file WHEN prices are loaded THEN it fails naming the file and region", () => {
    expect(() => loadPrices("us-east-1", FIXTURE_PRICES)).toThrow(
      `${join(FIXTURE_PRICES, "us-east-1.json")}: no price file for region us-east-1`,
    );
  });

  it("GIVEN a price file missing a price WHEN loaded THEN it fails naming the price key", () => {
    const prices = JSON.parse(readFileSync(join(FIXTURE_PRICES, "eu-west-1.json"), "utf8")) as AnyRecord;
    delete prices.prices["dynamodb.pitr.gbMonth"];
    writeFileSync(join(scratch, "eu-west-1.json"), JSON.stringify(prices));
    expect(() => loadPrices("eu-west-1", scratch)).toThrow(
      `${join(scratch, "eu-west-1.json")}: prices.dynamodb.pitr.gbMonth: missing; add it (usd: null, status: "unknown" if it cannot be sourced)`,
    );
  });

  it("GIVEN a price without its source date WHEN loaded THEN it fails naming the field", () => {
    const prices = JSON.parse(readFileSync(join(FIXTURE_PRICES, "eu-west-1.json"), "utf8")) as AnyRecord;
    delete prices.prices["kms.keyMonth"].read;
    writeFileSync(join(scratch, "eu-west-1.json"), JSON.stringify(prices));
    expect(() => loadPrices("eu-west-1", scratch)).toThrow(`${join(scratch, "eu-west-1.json")}: prices.kms.keyMonth.read:`);
  });

  it("GIVEN a null price not marked unknown WHEN loaded THEN it fails: a missing price is never silently zero", () => {
    const prices = JSON.parse(readFileSync(join(FIXTURE_PRICES, "eu-west-1.json"), "utf8")) as AnyRecord;
    prices.prices["kms.keyMonth"].usd = null;
    writeFileSync(join(scratch, "eu-west-1.json"), JSON.stringify(prices));
    expect(() => loadPrices("eu-west-1", scratch)).toThrow(
      `${join(scratch, "eu-west-1.json")}: prices.kms.keyMonth.status: must be "unknown" exactly when usd is null`,
    );
  });

  it("GIVEN an override of a price that does not exist WHEN loaded THEN it fails naming the override", () => {
    const overrides = join(scratch, "overrides.json");
    writeFileSync(overrides, JSON.stringify({ "eu-west-1": { "dynamodb.wcu": { usd: 1, source: "contract", read: "2026-11-01" } } }));
    expect(() => loadPrices("eu-west-1", FIXTURE_PRICES, overrides)).toThrow(
      `${overrides}: eu-west-1.dynamodb.wcu: not a price the estimate uses`,
    );
  });

  it("GIVEN an override without a source WHEN loaded THEN it fails naming the field", () => {
    mkdirSync(join(scratch, "p"));
    copyFileSync(join(FIXTURE_PRICES, "eu-west-1.json"), join(scratch, "p", "eu-west-1.json"));
    const overrides = join(scratch, "overrides.json");
    writeFileSync(overrides, JSON.stringify({ "eu-west-1": { "kms.keyMonth": { usd: 1, read: "2026-11-01" } } }));
    expect(() => loadPrices("eu-west-1", join(scratch, "p"), overrides)).toThrow(`${overrides}: eu-west-1.kms.keyMonth.source:`);
  });
});

describe("synth's one-line warning about what the usage files do not describe", () => {
  function synthesized(): { stack: string; directory: string } {
    const directory = join(scratch, "stacks", "dynamodb-fixture");
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, "cdk.tf.json"), JSON.stringify(fixtureStack("before")));
    return { stack: "dynamodb-fixture", directory };
  }

  it("GIVEN a usage file without a table and an index WHEN synth warns THEN one line names the file, the table and the index", () => {
    const usage = JSON.parse(readFileSync(join(FIXTURE_USAGE, "fixture.json"), "utf8")) as AnyRecord;
    delete usage.tables.archive;
    delete usage.tables.events.indexes.pending;
    mkdirSync(join(scratch, "usage"));
    writeFileSync(join(scratch, "usage", "fixture.json"), JSON.stringify(usage));
    expect(usageWarnings([synthesized(), { stack: "state-bucket", directory: scratch }], join(scratch, "usage"))).toEqual([
      `${relative(process.cwd(), join(scratch, "usage", "fixture.json"))} does not describe table archive, index events.pending: npm run cost prices them with default usage`,
    ]);
  });

  it("GIVEN a usage file that describes everything WHEN synth warns THEN nothing", () => {
    expect(usageWarnings([synthesized()], FIXTURE_USAGE)).toEqual([]);
  });

  it("GIVEN no usage file WHEN synth warns THEN one line, not a failure", () => {
    expect(usageWarnings([synthesized()], join(scratch, "none"))).toEqual([
      `npm run cost cannot price fixture: ${join(scratch, "none", "fixture.json")}: no usage file for environment fixture; copy cost/usage/dev.json and fill in its numbers`,
    ]);
  });
});
