/**
 * The diff between two estimates, on the two fixture stacks (__tests__/fixtures/cost/stacks): the
 * "after" stack raises orders' read max 100 -> 200, raises events' write cap 10 -> 20 WRU/s, moves
 * archive from Standard-IA to Standard and adds an alarm. Prices are the fixture's round ones.
 */
import { diffEstimates, type CostDiff } from "../../cost/diff";
import { formatDiff } from "../../cost/format";
import { estimateStacks } from "../../cost/run";
import { FIXTURE_PRICES, FIXTURE_USAGE, fixtureApp } from "../helpers/cost-fixtures";

const options = { usageDirectory: FIXTURE_USAGE, pricesDirectory: FIXTURE_PRICES };
const diff = (): CostDiff =>
  diffEstimates(estimateStacks(fixtureApp("before"), options), estimateStacks(fixtureApp("after"), options), {
    ref: "main",
    commit: "0123456789abcdef0123456789abcdef01234567",
  });
const scope = (name: string) => diff().environments[0].scopes.find((s) => s.scope === name)!;

describe("cost diff", () => {
  it("GIVEN a raised autoscaling max WHEN diffed THEN only the ceiling of that component changes", () => {
    expect(scope("orders").status).toBe("changed");
    expect(scope("orders").floor.changeUsd).toBeCloseTo(0, 9);
    expect(scope("orders").components).toEqual([
      // (200 - 100) RCU x 730 h x $0.0002
      {
        component: "table read capacity",
        floor: { beforeUsd: 1.46, afterUsd: 1.46, changeUsd: 0 },
        ceiling: expect.objectContaining({ changeUsd: expect.closeTo(14.6, 9) }),
      },
    ]);
  });

  it("GIVEN a raised on-demand write cap WHEN diffed THEN the ceiling rises by the extra cap sustained all month", () => {
    expect(scope("events").ceiling.changeUsd).toBeCloseTo(26.28, 9); // (20 - 10) WRU/s x 2,628,000 s x $1/M
    expect(scope("events").floor.changeUsd).toBeCloseTo(0, 9);
  });

  it("GIVEN a table moved from Standard-IA to Standard WHEN diffed THEN requests get cheaper and storage dearer", () => {
    // floor: reads 400,000 x (0.20 - 0.25)/M = -0.02; writes 800,000 x (1.00 - 1.25)/M = -0.20; storage 1 GiB x (0.25 - 0.10) = +0.15
    expect(scope("archive").floor.changeUsd).toBeCloseTo(-0.07, 9);
    // ceiling: reads 26,280,000 x -0.05/M = -1.314; writes 26,280,000 x -0.25/M = -6.57; storage +0.15
    expect(scope("archive").ceiling.changeUsd).toBeCloseTo(-7.734, 9);
    expect(scope("archive").components.map((c) => c.component)).toEqual([
      "table read requests",
      "table write requests",
      "storage (Standard-IA)",
      "storage (Standard)",
    ]);
  });

  it("GIVEN an added alarm WHEN diffed THEN other resources change by one alarm", () => {
    expect(scope("other resources").components).toEqual([
      {
        component: "CloudWatch alarm (aws_cloudwatch_metric_alarm.events_throttles)",
        floor: { beforeUsd: 0, afterUsd: 0.1, changeUsd: 0.1 },
        ceiling: { beforeUsd: 0, afterUsd: 0.1, changeUsd: 0.1 },
      },
    ]);
  });

  it("GIVEN every change WHEN totalled THEN the environment's floor +0.03 and ceiling +33.246", () => {
    const [environment] = diff().environments;
    expect(environment.status).toBe("changed");
    expect(environment.floor.changeUsd).toBeCloseTo(0.03, 9); // -0.07 + 0.10
    expect(environment.ceiling.changeUsd).toBeCloseTo(33.246, 9); // 14.6 + 26.28 - 7.734 + 0.10
  });

  it("GIVEN an environment only on one side WHEN diffed THEN it is added, from $0", () => {
    const result = diffEstimates([], estimateStacks(fixtureApp("after"), options), { ref: "main", commit: "0".repeat(40) });
    expect(result.environments[0].status).toBe("added");
    expect(result.environments[0].floor.beforeUsd).toBe(0);
  });

  it("GIVEN the diff WHEN printed as Markdown THEN each changed table has a row with before -> after (change)", () => {
    const markdown = formatDiff(diff(), "markdown");
    expect(markdown).toContain("## Cost change against main (0123456789ab), USD per month");
    expect(markdown).toContain("| `orders` (changed) | $9.56 -> $9.56 ($0.00) | $91.03 -> $105.63 (+$14.60) |");
    expect(markdown).toContain("| `archive` (changed) | $1.40 -> $1.33 (-$0.07) | $39.72 -> $31.99 (-$7.73) |");
    expect(markdown).toContain("| **fixture total** | **$18.74 -> $18.77 (+$0.03)** | **$244.48 -> $277.73 (+$33.25)** |");
  });

  it("GIVEN the diff WHEN printed as JSON THEN it has the documented shape", () => {
    const json = JSON.parse(formatDiff(diff(), "json"));
    expect(Object.keys(json)).toEqual(["schemaVersion", "currency", "base", "environments"]);
    expect(json.environments[0]).toEqual(
      expect.objectContaining({
        environment: "fixture",
        status: "changed",
        floor: { beforeUsd: 18.737, afterUsd: 18.767, changeUsd: 0.03 },
      }),
    );
    expect(Object.keys(json.environments[0].scopes[0])).toEqual(["scope", "status", "floor", "ceiling", "components"]);
  });
});
