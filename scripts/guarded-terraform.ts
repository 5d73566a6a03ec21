/**
 * The guarded path to an environment: terraform init, plan to a saved plan file, `terraform show
 * -json` of it, the plan guard, and only then (for apply, after confirmation) `terraform apply` of
 * exactly that saved plan. `scripts/deploy.ts` synthesizes first and runs this on the stack.
 *
 * The saved plan lives in a private temporary directory (mkdtemp: mode 0700, a new name per run),
 * not beside the synthesized stack where another `npm run plan` could overwrite it while the
 * confirmation prompt waits; its SHA-256 is taken when it is guarded and checked again before apply.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guardPlanFile } from "./plan-guard-file";

export const SAVED_PLAN = "tfplan";
export const PLAN_JSON = "tfplan.json";

export interface GuardedTerraformOptions {
  /** The synthesized stack directory (holds cdk.tf.json). */
  readonly directory: string;
  /** The stack name, for messages (plan-guard overrides match the plan's own environment, not this). */
  readonly stack: string;
  /** Apply the saved plan after the guard passes and `confirm` returns true. @default false (plan only) */
  readonly apply?: boolean;
  /** Asked before applying; true to apply. */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** Where terraform's own output goes. @default "inherit" */
  readonly stdio?: "inherit" | "ignore";
  /**
   * A private directory for the saved plan and its JSON, kept afterwards (for tests).
   * @default a new temporary directory, removed when the run ends
   */
  readonly planDirectory?: string;
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Runs the steps; resolves to the process exit code (0 done, 1 refused/failed, 2 unreadable plan). */
export async function guardedTerraform(options: GuardedTerraformOptions): Promise<number> {
  const planDirectory = options.planDirectory ?? mkdtempSync(join(tmpdir(), `opsdata-${options.stack}-plan-`));
  try {
    return await planGuardAndApply(options, planDirectory);
  } finally {
    if (options.planDirectory === undefined) rmSync(planDirectory, { recursive: true, force: true });
  }
}

async function planGuardAndApply(options: GuardedTerraformOptions, planDirectory: string): Promise<number> {
  const { directory, stack, stdio = "inherit" } = options;
  const savedPlan = join(planDirectory, SAVED_PLAN);
  const terraform = (args: string[], capture = false) => {
    const result = spawnSync("terraform", args, {
      cwd: directory,
      stdio: capture ? ["ignore", "pipe", "inherit"] : stdio,
      encoding: "utf8",
    });
    if (result.error) {
      const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
      throw new Error(missing ? "terraform is not on PATH: install Terraform >= 1.10" : `terraform ${args[0]}: ${result.error.message}`);
    }
    return result;
  };
  for (const args of [
    ["init", "-input=false"],
    ["plan", "-input=false", `-out=${savedPlan}`],
  ]) {
    if (terraform(args).status !== 0) {
      console.error(`${stack}: terraform ${args[0]} failed (see above); nothing was applied.`);
      return 1;
    }
  }
  const shown = terraform(["show", "-json", savedPlan], true);
  if (shown.status !== 0) {
    console.error(`${stack}: terraform show -json of the saved plan failed; nothing was applied.`);
    return 1;
  }
  const guarded = sha256(savedPlan);
  writeFileSync(join(planDirectory, PLAN_JSON), shown.stdout);
  const guard = guardPlanFile(join(planDirectory, PLAN_JSON), { stack });
  (guard.exitCode === 0 ? console.log : console.error)(guard.text);
  if (guard.exitCode !== 0) return guard.exitCode;
  if (!options.apply) {
    console.log(`${stack}: the plan passed the plan guard. \`npm run apply -- <env>\` plans, guards and applies in one run.`);
    return 0;
  }
  const confirmed = (await options.confirm?.(`Apply this plan to ${stack}? Type the stack name (${stack}) to confirm: `)) ?? false;
  if (!confirmed) {
    console.error(`${stack}: not confirmed; nothing was applied.`);
    return 1;
  }
  if (sha256(savedPlan) !== guarded) {
    console.error(`${stack}: the saved plan changed after the plan guard passed; nothing was applied. Run it again.`);
    return 1;
  }
  return terraform(["apply", "-input=false", savedPlan]).status === 0 ? 0 : 1;
}
