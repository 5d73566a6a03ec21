/**
 * The repository's own CI and review rules (issue: a path to production that does not trust the
 * pull request): the workflow branch protection requires, the protection settings themselves, and
 * a catch-all code owner.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "..", "..");
const WORKFLOW = join(ROOT, ".github", "workflows", "ci.yml");
const validator = join(ROOT, "node_modules", ".bin", "action-validator");

type Step = { uses?: string; run?: string; name?: string; with?: Record<string, unknown> };
const workflow = parse(readFileSync(WORKFLOW, "utf8")) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { name: string; steps: Step[] }>;
};
const protection = JSON.parse(readFileSync(join(ROOT, ".github", "branch-protection.json"), "utf8"));

const validate = (file: string) => spawnSync(validator, [file], { encoding: "utf8" });

describe("the GitHub Actions workflow", () => {
  test("is valid for GitHub Actions (validated offline by @action-validator/cli)", () => {
    const result = validate(WORKFLOW);
    expect(result.stderr + result.stdout).toBe("");
    expect(result.status).toBe(0);
  });

  test("the validator does refuse a malformed workflow (control)", () => {
    const scratch = mkdtempSync(join(tmpdir(), "workflow-"));
    try {
      const broken = join(scratch, "broken.yml");
      writeFileSync(broken, "name: x\non: [push]\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz:\n      - run: echo\n");
      const result = validate(broken);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("Additional property 'stepz' is not allowed");
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test("runs pull requests' code without secrets: pull_request (never pull_request_target), read-only token", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push"]);
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  test("pins every action to a commit SHA and keeps no checkout credentials", () => {
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    for (const step of steps.filter((s) => s.uses)) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    expect(steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with).toEqual({ "persist-credentials": false });
  });

  test("runs format, lint, typecheck, the synth freshness check and the tests", () => {
    expect(workflow.jobs.checks.steps.filter((s) => s.run).map((s) => s.run)).toEqual([
      "npm ci",
      "npm run format:check",
      "npm run lint",
      "npm run typecheck",
      "npm run synth:check",
      "npm test",
    ]);
  });
});

describe("branch protection as code (.github/branch-protection.json)", () => {
  test("requires the workflow's job by its check name", () => {
    expect(protection.required_status_checks).toEqual({
      strict: true,
      checks: [{ context: workflow.jobs.checks.name }],
    });
  });

  test("requires code-owner review, dismisses stale approvals and binds admins", () => {
    expect(protection.enforce_admins).toBe(true);
    expect(protection.required_pull_request_reviews).toEqual({
      dismiss_stale_reviews: true,
      require_code_owner_reviews: true,
      require_last_push_approval: true,
      required_approving_review_count: 1,
    });
    expect(protection.allow_force_pushes).toBe(false);
    expect(protection.allow_deletions).toBe(false);
  });
});

describe("CODEOWNERS", () => {
  const rules = readFileSync(join(ROOT, ".github", "CODEOWNERS"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => line.trim().split(/\s+/));

  test("starts with a catch-all owner (the last matching pattern wins, so later rules only add owners)", () => {
    expect(rules[0]).toEqual(["*", "@your-org/opsdata-platform"]);
    for (const [, ...owners] of rules) expect(owners).toContain("@your-org/opsdata-platform");
  });
});
