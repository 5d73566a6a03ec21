/**
 * The cost tool as processes run it: `npm run cost` (its CLI, exit codes and messages, its layout),
 * `--diff <ref>`, which synthesizes another commit in a temporary git worktree, and
 * `npm run cost:prices`, which rewrites a price file from offer files.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { estimateAtRef } from "../../cost/diff";
import { CostInputError } from "../../cost/errors";
import { projectRoot } from "../../stacks/project-root";
import { sharedCheckout } from "./support/project-copy";

describe("npm run cost (the command)", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/cost.ts", ...args], {
      cwd: sharedCheckout(),
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
    });

  it("GIVEN --format json WHEN run THEN it prints the estimate of every environment", () => {
    const result = run("--format", "json");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).environments.map((e: { environment: string }) => e.environment)).toEqual(["dev", "staging", "prod"]);
  });

  it("GIVEN no options WHEN run THEN every line fits 120 columns and each environment fits one screen", () => {
    const result = run();
    expect(result.status).toBe(0);
    const environments = result.stdout.trim().split("\n\n");
    expect(environments.map((text) => text.split("\n")[0].split(":")[0])).toEqual([
      "== dev (dynamodb-dev, eu-west-1)",
      "== staging (dynamodb-staging, eu-west-1)",
      "== prod (dynamodb-prod, eu-west-1)",
    ]);
    for (const text of environments) {
      expect(text.split("\n").length).toBeLessThanOrEqual(24);
      // alarms are one summed line, not one per alarm
      expect(text.split("\n").filter((line) => line.includes("CloudWatch alarm")).length).toBeLessThanOrEqual(1);
    }
    expect(Math.max(...result.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(120);
  });

  it("GIVEN --detail WHEN run THEN every component is listed and every line still fits 120 columns", () => {
    const result = run("--detail", "--env", "prod");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("  table write capacity");
    expect(Math.max(...result.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(120);
  });

  it("GIVEN a usage file that does not describe an index WHEN run THEN it still prices, with a warning, exit 0", () => {
    const usage = mkdtempSync(join(tmpdir(), "cost-cli-usage-"));
    try {
      cpSync(join(projectRoot(), "cost", "usage"), usage, { recursive: true });
      const prod = JSON.parse(readFileSync(join(usage, "prod.json"), "utf8"));
      delete prod.tables.idempotency_keys.indexes["account_id-created_at-index"];
      writeFileSync(join(usage, "prod.json"), JSON.stringify(prod));
      const result = run("--env", "prod", "--usage", usage);
      expect(result.status).toBe(0);
      // warnings wrap at 120 columns: join the continuation lines
      expect(result.stdout.replace(/\n {2}/g, " ")).toContain(
        `warning: ${join(usage, "prod.json")}: tables.idempotency_keys.indexes.account_id-created_at-index: not described;`,
      );
    } finally {
      rmSync(usage, { recursive: true, force: true });
    }
  });

  it("GIVEN an unknown environment WHEN run THEN it exits 1 with the message and no stack trace", () => {
    const result = run("--env", "qa");
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("--env qa: unknown environment; one of dev, staging, prod");
  });

  it("GIVEN --readme with --env WHEN run THEN it refuses (the section covers every environment)", () => {
    const result = run("--readme", "--env", "dev");
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("--readme rewrites the section for every environment; drop --env and --diff");
  });

  it("GIVEN an unknown option WHEN run THEN it exits 1 with the usage", () => {
    const result = run("--envs", "dev");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "usage: npm run cost -- [--env <env>] [--detail] [--diff <git ref>] [--format table|json|markdown] [--readme]",
    );
  });
});

describe("npm run cost:prices (the command)", () => {
  const offers = join(projectRoot(), "__tests__", "fixtures", "cost", "price-list");
  let prices: string;
  beforeEach(() => {
    prices = mkdtempSync(join(tmpdir(), "cost-prices-"));
    cpSync(join(projectRoot(), "__tests__", "fixtures", "cost", "prices"), prices, { recursive: true });
  });
  afterEach(() => rmSync(prices, { recursive: true, force: true }));
  const importing = (...args: string[]) =>
    spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/cost-prices.ts", "--prices", prices, ...args], {
      cwd: sharedCheckout(),
      encoding: "utf8",
    });

  it("GIVEN the fixture offers WHEN imported THEN the price file carries their SKUs and the report names what is missing", () => {
    const result = importing("--offer", join(offers, "AmazonDynamoDB.fixture.json"), "--offer", join(offers, "AmazonS3.fixture.json"));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      "  dynamodb.onDemand.standard.writeRequestUnits: 1 -> 1.25 (SKU FXDDBWRU000000001, EU-WriteRequestUnits)",
    );
    expect(result.stdout).toContain("  MISSING dynamodb.storage.standardIA.gbMonth:");
    const written = JSON.parse(readFileSync(join(prices, "eu-west-1.json"), "utf8"));
    expect(written.prices["s3.standard.putRequests"].offer).toEqual(
      expect.objectContaining({ sku: "FXS3PUT0000000001", version: "20261119120000" }),
    );
  });

  it("GIVEN a malformed offer among good ones WHEN imported THEN it exits 1 naming file and field, and writes nothing", () => {
    const bad = join(prices, "bad-offer.json");
    writeFileSync(
      bad,
      JSON.stringify({ formatVersion: "v1.0", offerCode: "AmazonS3", version: "1", publicationDate: "2026-11-01", products: {} }),
    );
    const before = readFileSync(join(prices, "eu-west-1.json"), "utf8");
    const result = importing("--offer", join(offers, "AmazonDynamoDB.fixture.json"), "--offer", bad);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `${bad}: terms: required: terms with OnDemand; not an AWS Price List offer file (JSON), see docs/cost.md`,
    );
    expect(readFileSync(join(prices, "eu-west-1.json"), "utf8")).toBe(before);
  });
});

describe("cost diff against a git ref", () => {
  it("GIVEN a ref that does not exist WHEN diffed THEN it fails naming the ref", () => {
    expect(() => estimateAtRef(projectRoot(), "no-such-branch-xyz", {})).toThrow(
      new CostInputError(
        "--diff no-such-branch-xyz: not a commit in this repository; check the name, or fetch it first (git fetch origin <branch>)",
      ),
    );
  });

  it("GIVEN HEAD WHEN estimated THEN its stacks are synthesized from HEAD's sources and the worktree is removed", () => {
    const root = projectRoot();
    const worktreesBefore = execFileSync("git", ["worktree", "list"], { cwd: root, encoding: "utf8" });
    const { commit, estimates } = estimateAtRef(root, "HEAD", {});
    expect(commit).toBe(execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim());
    expect(estimates.map((e) => e.environment).sort()).toEqual(["dev", "prod", "staging"]);
    expect(execFileSync("git", ["worktree", "list"], { cwd: root, encoding: "utf8" })).toBe(worktreesBefore);
  });
});
