/**
 * The guarded path to an environment: terraform init, plan to a saved plan file, `terraform show
 * -json` of it, the plan guard, and only then (for apply, after confirmation) `terraform apply` of
 * exactly that saved plan. `scripts/deploy.ts` synthesizes first and runs this on the stack.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { guardPlanFile } from "./plan-guard-file";

export const SAVED_PLAN = "tfplan";
export const PLAN_JSON = "tfplan.json";

export interface GuardedTerraformOptions {
  /** The synthesized stack directory (holds cdk.tf.json). */
  readonly directory: string;
  /** The stack name: names it in messages and selects its plan-guard overrides. */
  readonly stack: string;
  /** Apply the saved plan after the guard passes and `confirm` returns true. @default false (plan only) */
  readonly apply?: boolean;
  /** Asked before applying; true to apply. */
  readonly confirm?: (question: string) => Promise<boolean>;
  /** Where terraform's own output goes. @default "inherit" */
  readonly stdio?: "inherit" | "ignore";
}

/** Runs the steps; resolves to the process exit code (0 done, 1 refused/failed, 2 unreadable plan). */
export async function guardedTerraform(options: GuardedTerraformOptions): Promise<number> {
  const { directory, stack, stdio = "inherit" } = options;
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
    ["plan", "-input=false", `-out=${SAVED_PLAN}`],
  ]) {
    if (terraform(args).status !== 0) {
      console.error(`${stack}: terraform ${args[0]} failed (see above); nothing was applied.`);
      return 1;
    }
  }
  const shown = terraform(["show", "-json", SAVED_PLAN], true);
  if (shown.status !== 0) {
    console.error(`${stack}: terraform show -json ${SAVED_PLAN} failed; nothing was applied.`);
    return 1;
  }
  writeFileSync(join(directory, PLAN_JSON), shown.stdout);
  const guard = guardPlanFile(join(directory, PLAN_JSON), { stack });
  (guard.exitCode === 0 ? console.log : console.error)(guard.text);
  if (guard.exitCode !== 0) return guard.exitCode;
  if (!options.apply) {
    console.log(`${stack}: saved plan ${join(directory, SAVED_PLAN)} passed the plan guard. Apply it with: npm run apply -- <env>`);
    return 0;
  }
  const confirmed = (await options.confirm?.(`Apply this plan to ${stack}? Type the stack name (${stack}) to confirm: `)) ?? false;
  if (!confirmed) {
    console.error(`${stack}: not confirmed; nothing was applied.`);
    return 1;
  }
  return terraform(["apply", "-input=false", SAVED_PLAN]).status === 0 ? 0 : 1;
}
