/**
 * "What this design saves": hand-computed on the fixture stack, and the copy in docs/cost.md checked
 * against the real stacks (it must be regenerated with `npm run cost -- --readme` when stale).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readPriceFile } from "../../cost/prices";
import { estimateStacks } from "../../cost/run";
import { computeSavings, README_END, README_START, renderSavings, replaceSavingsSection } from "../../cost/savings";
import { projectRoot } from "../../stacks/project-root";
import { shippedStacks } from "../helpers/synth";
import { FIXTURE_PRICES, FIXTURE_USAGE, fixtureApp } from "../helpers/cost-fixtures";

const fixtureSavings = () => computeSavings(fixtureApp("before"), { usageDirectory: FIXTURE_USAGE, pricesDirectory: FIXTURE_PRICES });
const saved = (choice: string) => fixtureSavings().find((s) => s.choice === choice)!.savedUsd;

describe("what this design saves (fixture)", () => {
  it("GIVEN a Standard-IA table WHEN priced as Standard THEN the saving is storage minus the request premium", () => {
    // storage 1 GiB x (0.25 - 0.10) = 0.15; reads 400,000 x (0.25 - 0.20)/M = 0.02; writes 800,000 x (1.25 - 1.00)/M = 0.20
    expect(saved("`archive` in Standard-IA instead of Standard")).toBeCloseTo(-0.07, 9);
  });

  it("GIVEN 65,536 new items a month per table WHEN kept 12 months without TTL THEN their storage and PITR are the saving", () => {
    // 786,432 more items each. orders: 0.75 GiB table + 0.1875 GiB index (half, 512 B) at $0.25, PITR 0.75 x $0.20 = 0.384375
    // events: 3 GiB table + 0.03 GiB index at $0.25 = 0.7575; archive: 0.75 GiB at $0.10 + PITR 0.75 x $0.20 = 0.225
    expect(saved("TTL: expired items deleted, not kept (after 12 months)")).toBeCloseTo(1.366875, 9);
  });

  it("GIVEN a sparse on-demand index WHEN priced as a full one THEN the extra writes and entries are the saving", () => {
    // writes 1,000,000 x (1 - 0.5) x 4 WRU x $1/M = 2.00; entries (1 - 0.01) x 1 GiB x $0.25 = 0.2475
    expect(saved("`events` sparse `pending` instead of a full index")).toBeCloseTo(2.2475, 9);
  });

  it("GIVEN a half-sparse provisioned index below its min WHEN priced as a full one THEN only the extra entries are saved", () => {
    // entries 0.5 GiB more x $0.25 = 0.0625; writes: a full index needs 1,000,000 WCU-units / 2,628,000 s = 0.38 -> 1 WCU,
    // under the autoscaling min of 5, so the write floor does not move
    expect(saved("`orders` sparse `by_customer` instead of a full index")).toBeCloseTo(0.0625, 9);
  });

  it("GIVEN the savings WHEN rendered THEN the section sits between the markers as an aligned table", () => {
    const section = renderSavings(fixtureSavings());
    expect(section.startsWith(`${README_START}\n\n| saved per month (floor)`)).toBe(true);
    expect(section).toContain("| TTL: expired items deleted, not kept (after 12 months) |   $1.37 |");
    expect(section.endsWith(README_END)).toBe(true);
  });

  it("GIVEN a page without the markers WHEN the section is written THEN it fails naming the markers", () => {
    expect(() => replaceSavingsSection("# no markers\n", "x", "docs/cost.md")).toThrow(
      `docs/cost.md: the markers ${README_START} and ${README_END} are missing`,
    );
  });
});

describe("the shipped configuration", () => {
  const stacks = shippedStacks();

  it("GIVEN docs/cost.md WHEN compared with the savings of the current stacks and usage THEN it is up to date (else run npm run cost -- --readme)", () => {
    const readme = readFileSync(join(projectRoot(), "docs/cost.md"), "utf8");
    const section = renderSavings(computeSavings(stacks));
    expect(replaceSavingsSection(readme, section)).toBe(readme);
  });

  it("GIVEN every environment stack WHEN estimated THEN every resource is priced or known to be free, no price unknown", () => {
    const estimates = estimateStacks(stacks);
    expect(estimates.map((e) => e.environment)).toEqual(expect.arrayContaining(["dev", "staging", "prod"]));
    for (const e of estimates)
      expect([e.environment, e.unpriced, e.unknownComponents, e.ceilingUnbounded]).toEqual([e.environment, [], 0, false]);
  });

  it("GIVEN the shipped price file WHEN read THEN every price is from a named AWS offer or an approximation naming its AWS basis", () => {
    const { data } = readPriceFile("eu-west-1");
    for (const [key, price] of Object.entries(data.prices)) {
      if (price.status === "sourced") expect([key, price.offer]).toEqual([key, expect.objectContaining({ sku: expect.any(String) })]);
      else expect([key, price.status]).toEqual([key, "approximation"]);
      // AWS's own pages only: no blog or third-party source
      const hosts = [...price.source.matchAll(/https?:\/\/([^/\s)]+)/g)].map((m) => m[1]);
      expect([key, hosts.filter((host) => !["aws.amazon.com", "docs.aws.amazon.com"].includes(host))]).toEqual([key, []]);
      expect([key, hosts.length > 0 || price.offer !== undefined]).toEqual([key, true]);
    }
  });

  it("GIVEN a GSI added to prod's idempotency_keys that the usage file does not describe WHEN estimated THEN it is priced with defaults and a warning", () => {
    const changed = structuredClone(stacks) as Record<string, { resource: Record<string, Record<string, Record<string, unknown>>> }>;
    const resource = changed["dynamodb-prod"].resource;
    const table = resource.aws_dynamodb_table.idempotency_keys;
    table.global_secondary_index = [
      ...(table.global_secondary_index as object[]),
      { name: "service-index", hash_key: "service", projection_type: "KEYS_ONLY", read_capacity: 25, write_capacity: 25 },
    ];
    // autoscaled like every GSI of a provisioned table
    for (const dimension of ["Read", "Write"]) {
      resource.aws_appautoscaling_target[`idempotency_keys_service-index_${dimension}`] = {
        min_capacity: 25,
        max_capacity: 2000,
        resource_id: "table/${aws_dynamodb_table.idempotency_keys.name}/index/service-index",
        scalable_dimension: `dynamodb:index:${dimension}CapacityUnits`,
        service_namespace: "dynamodb",
      };
    }
    const prod = estimateStacks(changed, { environment: "prod" })[0];
    const lines = prod.tables.find((t) => t.table === "idempotency_keys")!.lines.map((l) => l.component);
    expect(lines).toContain("GSI service-index (default usage) write capacity");
    // Only this index's warning: another index added by a recipe may warn beside it.
    expect(prod.warnings.filter((warning) => warning.includes("service-index"))).toEqual([
      `${join(projectRoot(), "cost", "usage", "prod.json")}: tables.idempotency_keys.indexes.service-index: not described; priced as holding and written with every item at 1500 B, no reads (default): add itemShare, writeShare, averageProjectedBytes, readsPerMonth`,
    ]);
  });
});
