/**
 * The cost tool as processes run it: `npm run cost` (its CLI, exit codes and messages) and
 * `--diff <ref>`, which synthesizes another commit in a temporary git worktree.
 */
import { execFileSync, spawnSync } from "node:child_process";
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
    expect(result.stderr).toContain("usage: npm run cost -- [--env <env>] [--diff <git ref>] [--format table|json|markdown] [--readme]");
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
