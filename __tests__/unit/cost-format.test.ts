/**
 * Output formats of the estimate, on the fixture stack with the fixture's round prices (totals are
 * hand-computed in cost-estimate.test.ts: floor 18.737, ceiling 244.481).
 */
import { formatEstimates } from "../../cost/format";
import { estimateStacks } from "../../cost/run";
import { FIXTURE_PRICES, FIXTURE_USAGE, fixtureApp } from "../helpers/cost-fixtures";

const estimates = () => estimateStacks(fixtureApp("before"), { usageDirectory: FIXTURE_USAGE, pricesDirectory: FIXTURE_PRICES });
const render = (format: "table" | "json" | "markdown") =>
  formatEstimates(estimates(), format, { usageFile: () => "cost/usage/fixture.json" });

describe("cost output: JSON (stable for tools)", () => {
  it("GIVEN an estimate WHEN printed as JSON THEN the top level is versioned", () => {
    const json = JSON.parse(render("json"));
    expect(json).toEqual({ schemaVersion: 1, currency: "USD", period: "month (730 hours)", environments: expect.any(Array) });
  });

  it("GIVEN an estimate WHEN printed as JSON THEN each environment has the documented fields and totals", () => {
    const [environment] = JSON.parse(render("json")).environments;
    expect(Object.keys(environment)).toEqual([
      "environment",
      "stack",
      "region",
      "floorUsd",
      "ceilingUsd",
      "unknownComponents",
      "tables",
      "resources",
      "free",
      "unpriced",
      "warnings",
      "priceCaveats",
      "assumptions",
    ]);
    expect(environment).toEqual(
      expect.objectContaining({
        environment: "fixture",
        stack: "dynamodb-fixture",
        region: "eu-west-1",
        floorUsd: 18.737,
        ceilingUsd: 244.481,
      }),
    );
    expect(environment.unpriced).toEqual([{ address: "aws_lambda_function.archiver", type: "aws_lambda_function" }]);
  });

  it("GIVEN a table WHEN printed as JSON THEN its components carry floor, ceiling and basis", () => {
    const orders = JSON.parse(render("json")).environments[0].tables.find((t: { table: string }) => t.table === "orders");
    expect(orders).toEqual(
      expect.objectContaining({
        table: "orders",
        billingMode: "PROVISIONED",
        tableClass: "STANDARD",
        defaultUsage: false,
        floorUsd: 9.5645,
        ceilingUsd: 91.0325,
        unknownComponents: 0,
      }),
    );
    expect(orders.components[0]).toEqual({
      component: "table read capacity",
      floorUsd: 1.46,
      ceilingUsd: 14.6,
      basis:
        "floor max(min 10, 5,000,000 RCU-units/month / 2,628,000 s / 100 % (no target-tracking policy) = 2) = 10 RCU; ceiling max 100 RCU; x 730 h x $0.000200/RCU-hour",
    });
  });
});

describe("cost output: table (one screen)", () => {
  it("GIVEN an estimate WHEN printed THEN a heading with the totals, one line per table and shared component, the total", () => {
    const lines = render("table").split("\n");
    expect(lines.slice(0, 8)).toEqual([
      "== fixture (dynamodb-fixture, eu-west-1): floor $18.74, ceiling $244.48 per month (730 h)",
      "                                                       floor/month  ceiling/month",
      "archive (PAY_PER_REQUEST, STANDARD_INFREQUENT_ACCESS)        $1.40         $39.72",
      "events (PAY_PER_REQUEST, STANDARD)                           $6.67        $110.63",
      "orders (PROVISIONED, STANDARD)                               $9.56         $91.03",
      "CloudWatch alarms                                            $0.10          $0.10",
      "KMS keys                                                     $1.00          $3.00",
      "TOTAL fixture                                               $18.74        $244.48",
    ]);
  });

  it("GIVEN --detail WHEN printed THEN every component with its basis on the next line", () => {
    const text = formatEstimates(estimates(), "table", { usageFile: () => "cost/usage/fixture.json", detail: true });
    expect(text).toMatch(/\n {2}table read capacity +\$1\.46 +\$14\.60\n {6}floor max\(min 10, /);
  });

  it("GIVEN an unpriced resource WHEN printed as a table THEN it is called out as left out of the totals", () => {
    expect(render("table")).toContain("NOT PRICED (left out of the totals): aws_lambda_function.archiver");
  });

  it("GIVEN unmeasured usage WHEN printed as a table THEN the count of assumptions and their file are named", () => {
    expect(render("table")).toContain("20 usage value(s) are assumptions, not measurements (cost/usage/fixture.json)");
  });
});

describe("cost output: Markdown", () => {
  it("GIVEN an estimate WHEN printed as Markdown THEN each table is a row and the total is bold", () => {
    const markdown = render("markdown");
    expect(markdown).toContain("### fixture (eu-west-1): floor $18.74, ceiling $244.48 per month");
    expect(markdown).toContain("| `orders` (PROVISIONED, STANDARD) | $9.56 | $91.03 |");
    expect(markdown).toContain("| **total** | **$18.74** | **$244.48** |");
  });
});

describe("cost output: Markdown with --detail", () => {
  it("GIVEN --detail WHEN printed as Markdown THEN the summary table is followed by a collapsed breakdown with each basis", () => {
    const markdown = formatEstimates(estimates(), "markdown", { usageFile: () => "cost/usage/fixture.json", detail: true });
    expect(markdown).toContain("<details><summary>Breakdown</summary>");
    expect(markdown).toContain("| `orders` table write capacity | $3.65 | $36.50 | floor max(min 5, ");
  });
});
