/**
 * The change in cost between another commit and the working tree, per environment and table.
 *
 * The other commit is synthesized from its own sources: a detached `git worktree` of it, sharing this
 * checkout's node_modules, runs its own `main.ts` into a temporary outdir; the worktree is removed
 * afterwards. Its stacks are priced with its own usage files when it has them (so a PR that changes
 * the assumptions shows that too) and with the current ones otherwise; both sides use the current
 * prices, so the diff is the change the PR makes, not a price change.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shareInstall } from "../stacks/project-root";
import { CostInputError } from "./errors";
import type { CostLine, EnvironmentEstimate, StackJson, Totals } from "./estimate";
import { environmentNames, estimateStacks, type EstimateOptions } from "./run";

export interface Change {
  readonly beforeUsd: number;
  readonly afterUsd: number;
  readonly changeUsd: number;
}

export interface ComponentChange {
  readonly component: string;
  readonly floor: Change;
  readonly ceiling: Change;
}

export interface ScopeChange {
  /** A table id, or "other resources" for resources that belong to no table. */
  readonly scope: string;
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly floor: Change;
  readonly ceiling: Change;
  /** Only the components whose floor or ceiling changed. */
  readonly components: readonly ComponentChange[];
}

export interface EnvironmentChange {
  readonly environment: string;
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly floor: Change;
  readonly ceiling: Change;
  readonly scopes: readonly ScopeChange[];
  /** Either side's totals leave out unknown prices or have no ceiling. */
  readonly caveats: readonly string[];
}

export interface CostDiff {
  readonly base: { readonly ref: string; readonly commit: string };
  readonly environments: readonly EnvironmentChange[];
}

const change = (before: number, after: number): Change => ({ beforeUsd: before, afterUsd: after, changeUsd: after - before });
const EPSILON = 1e-9;
const changed = (c: Change) => Math.abs(c.changeUsd) > EPSILON;
const OTHER = "other resources";

function scopeLines(estimate: EnvironmentEstimate | undefined): Map<string, readonly CostLine[]> {
  const scopes = new Map<string, readonly CostLine[]>();
  for (const table of estimate?.tables ?? []) scopes.set(table.table, table.lines);
  if (estimate && estimate.resources.length > 0) {
    scopes.set(
      OTHER,
      estimate.resources.map((resource) => ({ ...resource, component: `${resource.component} (${resource.address})` })),
    );
  }
  return scopes;
}

function sum(lines: readonly CostLine[] | undefined, side: "floorUsd" | "ceilingUsd"): number {
  return (lines ?? []).reduce((total, l) => total + (l[side] ?? 0), 0);
}

function status(before: unknown, after: unknown, isChanged: boolean) {
  if (before === undefined) return "added" as const;
  if (after === undefined) return "removed" as const;
  return isChanged ? ("changed" as const) : ("unchanged" as const);
}

function caveats(side: string, totals: Totals | undefined): string[] {
  if (!totals) return [];
  return [
    ...(totals.unknownComponents > 0
      ? [`${side}: ${totals.unknownComponents} component(s) with unknown prices left out of the totals`]
      : []),
    ...(totals.ceilingUnbounded ? [`${side}: a component has no ceiling (on-demand without a cap)`] : []),
  ];
}

/** Compares two sets of environment estimates. */
export function diffEstimates(
  before: readonly EnvironmentEstimate[],
  after: readonly EnvironmentEstimate[],
  base: CostDiff["base"],
): CostDiff {
  const names = [...new Set([...after.map((e) => e.environment), ...before.map((e) => e.environment)])];
  const environments = names.map((name): EnvironmentChange => {
    const old = before.find((e) => e.environment === name);
    const now = after.find((e) => e.environment === name);
    const oldScopes = scopeLines(old);
    const newScopes = scopeLines(now);
    const scopes = [...new Set([...oldScopes.keys(), ...newScopes.keys()])].map((scope): ScopeChange => {
      const oldLines = oldScopes.get(scope);
      const newLines = newScopes.get(scope);
      const components = [...new Set([...(oldLines ?? []), ...(newLines ?? [])].map((l) => l.component))]
        .map((component) => {
          const o = oldLines?.find((l) => l.component === component);
          const n = newLines?.find((l) => l.component === component);
          return {
            component,
            floor: change(o?.floorUsd ?? 0, n?.floorUsd ?? 0),
            ceiling: change(o?.ceilingUsd ?? 0, n?.ceilingUsd ?? 0),
          };
        })
        .filter((c) => changed(c.floor) || changed(c.ceiling));
      const floor = change(sum(oldLines, "floorUsd"), sum(newLines, "floorUsd"));
      const ceiling = change(sum(oldLines, "ceilingUsd"), sum(newLines, "ceilingUsd"));
      return { scope, status: status(oldLines, newLines, components.length > 0), floor, ceiling, components };
    });
    const floor = change(old?.floorUsd ?? 0, now?.floorUsd ?? 0);
    const ceiling = change(old?.ceilingUsd ?? 0, now?.ceilingUsd ?? 0);
    return {
      environment: name,
      status: status(
        old,
        now,
        scopes.some((s) => s.status !== "unchanged"),
      ),
      floor,
      ceiling,
      scopes,
      caveats: [...caveats("before", old), ...caveats("after", now)],
    };
  });
  return { base, environments };
}

function git(root: string, args: string[]) {
  return spawnSync("git", args, { cwd: root, encoding: "utf8" });
}

/**
 * Synthesizes `ref` in a temporary worktree and estimates its environments. Throws a CostInputError
 * when the ref is not a commit, or when that commit does not synthesize. When the commit's usage files
 * do not fit today's model (an older format), its stacks are priced with the current ones and `note`
 * says so.
 */
export function estimateAtRef(
  root: string,
  ref: string,
  options: EstimateOptions,
): { commit: string; estimates: EnvironmentEstimate[]; note?: string } {
  const resolved = git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (resolved.status !== 0) {
    throw new CostInputError(
      `--diff ${ref}: not a commit in this repository; check the name, or fetch it first (git fetch origin <branch>)`,
    );
  }
  const commit = resolved.stdout.trim();
  const scratch = mkdtempSync(join(tmpdir(), "opsdata-cost-"));
  const tree = join(scratch, "tree");
  try {
    const added = git(root, ["worktree", "add", "--detach", tree, commit]);
    if (added.status !== 0) throw new CostInputError(`--diff ${ref}: git worktree add failed: ${added.stderr.trim()}`);
    // node_modules and the vendor bundles (a commit from before the vendor bundles ignores those).
    shareInstall(root, tree);
    const outdir = join(scratch, "out");
    const synth = spawnSync(process.execPath, ["scripts/run-ts.js", "main.ts"], {
      cwd: tree,
      encoding: "utf8",
      env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
    });
    if (synth.status !== 0) {
      throw new CostInputError(
        `--diff ${ref}: commit ${commit.slice(0, 12)} does not synthesize:\n${(synth.stderr || synth.stdout).trim()}`,
      );
    }
    const stacksDirectory = join(outdir, "stacks");
    const stacks: Record<string, StackJson> = Object.fromEntries(
      readdirSync(stacksDirectory).map((stack) => [
        stack,
        JSON.parse(readFileSync(join(stacksDirectory, stack, "cdk.tf.json"), "utf8")) as StackJson,
      ]),
    );
    // An environment the other commit does not have yet is "added": nothing to estimate on that side.
    if (options.environment !== undefined && !environmentNames(stacks).includes(options.environment)) return { commit, estimates: [] };
    const ownUsage = join(tree, "cost", "usage");
    if (existsSync(ownUsage)) {
      try {
        return { commit, estimates: estimateStacks(stacks, { ...options, usageDirectory: ownUsage }) };
      } catch (error) {
        if (!(error instanceof CostInputError)) throw error;
        const reason = error.message.split("\n")[0].replace(`${tree}/`, "");
        return {
          commit,
          estimates: estimateStacks(stacks, options),
          note: `${ref}'s usage files do not fit the current model (${reason}); its stacks were priced with the current usage files`,
        };
      }
    }
    return { commit, estimates: estimateStacks(stacks, options) };
  } finally {
    git(root, ["worktree", "remove", "--force", tree]);
    rmSync(scratch, { recursive: true, force: true });
    git(root, ["worktree", "prune"]);
  }
}
