/** Runs the plan guard on a `terraform show -json` file: shared by `npm run plan:guard` and `npm run plan|apply`. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../stacks/project-root";
import { wrapLines } from "../config/output-width";
import {
  PLAN_GUARD_OVERRIDES_FILE,
  PlanGuardInputError,
  formatGuardResult,
  guardPlan,
  parseOverrides,
  parsePlan,
} from "../guards/plan-guard";

export interface PlanGuardRun {
  readonly text: string;
  /** 0 pass, 1 refused, 2 the plan or overrides file cannot be read (never a pass). */
  readonly exitCode: 0 | 1 | 2;
}

export interface PlanGuardFileOptions {
  /**
   * The overrides file; null for none at all (the Atlantis guard: waiving is the policy owners' call).
   * @default guards/plan-guard-overrides.json of this checkout (a missing file means no overrides)
   */
  readonly overridesPath?: string | null;
  /** Decides which overrides have expired. @default now */
  readonly now?: Date;
  /**
   * A label only (Atlantis passes $PROJECT_NAME): overrides match the plan's own environment (its
   * account and table names), never this.
   */
  readonly stack?: string;
}

export function guardPlanFile(planPath: string, options: PlanGuardFileOptions = {}): PlanGuardRun {
  const { overridesPath = join(projectRoot(), PLAN_GUARD_OVERRIDES_FILE) } = options;
  try {
    if (!existsSync(planPath))
      throw new PlanGuardInputError(`${planPath}: no such file; write it with: terraform show -json <planfile> > ${planPath}`);
    const plan = parsePlan(readFileSync(planPath, "utf8"), planPath);
    if (overridesPath !== null && options.overridesPath !== undefined && !existsSync(overridesPath))
      throw new PlanGuardInputError(`${overridesPath}: no such overrides file (give a JSON array, [] for none)`);
    const overrides =
      overridesPath !== null && existsSync(overridesPath) ? parseOverrides(readFileSync(overridesPath, "utf8"), overridesPath) : [];
    return formatGuardResult(guardPlan(plan, { overrides, now: options.now }), planPath, { overrideAdvice: overridesPath !== null });
  } catch (error) {
    if (error instanceof PlanGuardInputError) return { text: wrapLines(`plan guard: cannot check: ${error.message}`), exitCode: 2 };
    throw error;
  }
}
