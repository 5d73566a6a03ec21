/**
 * Real Terraform plan JSON without a provider download: terraform's built-in `terraform_data`
 * resource, applied, then planned against a changed configuration. The plans are committed under
 * __tests__/fixtures/plans/ (written by terraform 1.11.4); the integration test regenerates them and
 * compares their shapes, and the guard tests relabel their changes as our AWS resource types.
 * - `terraform-data.plan.json`: create, update, replace in both orders (create_before_destroy gives
 *   create,delete), delete and no-op.
 * - `terraform-data-lifecycle.plan.json`: a deposed object (a create_before_destroy replacement whose
 *   provisioner failed leaves the old object deposed), `forget` from `removed { lifecycle { destroy =
 *   false } }`, a `moved` rename (`previous_address`), and `-replace` (replace_because_... reasons).
 * - `terraform-data-targeted.plan.json`: a `-target` plan (`complete: false`), the other resources
 *   only in prior_state.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BEFORE = `
resource "terraform_data" "unchanged" { input = "same" }
resource "terraform_data" "updated" { input = "before" }
resource "terraform_data" "replaced_delete_first" { triggers_replace = "v1" }
resource "terraform_data" "replaced_create_first" {
  triggers_replace = "v1"
  lifecycle { create_before_destroy = true }
}
resource "terraform_data" "deleted" { input = "gone soon" }
`;

const AFTER = `
resource "terraform_data" "unchanged" { input = "same" }
resource "terraform_data" "updated" { input = "after" }
resource "terraform_data" "replaced_delete_first" { triggers_replace = "v2" }
resource "terraform_data" "replaced_create_first" {
  triggers_replace = "v2"
  lifecycle { create_before_destroy = true }
}
resource "terraform_data" "created" { input = "new" }
`;

/** The provisioner fails for v2 only: applying v2 leaves the v1 object deposed. */
const deposing = (version: string, command: string) => `
resource "terraform_data" "deposed" {
  triggers_replace = "${version}"
  provisioner "local-exec" { command = ${command} }
  lifecycle { create_before_destroy = true }
}`;
const LIFECYCLE_BEFORE = `${deposing("v1", `self.triggers_replace == "v2" ? "false" : "true"`)}
resource "terraform_data" "forgotten" { input = "kept in AWS" }
resource "terraform_data" "old_name" { input = "same" }
resource "terraform_data" "forced" { input = "same" }
`;
const LIFECYCLE_FAILING = LIFECYCLE_BEFORE.replace(`"v1"`, `"v2"`);
const LIFECYCLE_AFTER = `${deposing("v2", `"true"`)}
removed {
  from = terraform_data.forgotten
  lifecycle { destroy = false }
}
resource "terraform_data" "new_name" { input = "same" }
moved {
  from = terraform_data.old_name
  to   = terraform_data.new_name
}
resource "terraform_data" "forced" { input = "same" }
`;

const TARGETED = `
resource "terraform_data" "targeted" { input = "v1" }
resource "terraform_data" "untouched" { input = "v1" }
`;

interface Step {
  readonly config: string;
  /** `terraform apply` arguments; the step's apply may fail when `mayFail`. */
  readonly apply?: readonly string[];
  readonly mayFail?: boolean;
}

/** Runs the steps in a temp dir (removed afterwards), then plans `last` with `planArgs` and returns `terraform show -json`. */
function planAfter(steps: readonly Step[], last: string, planArgs: readonly string[] = []): string {
  const directory = mkdtempSync(join(tmpdir(), "terraform-data-plan-"));
  const terraform = (...args: string[]) =>
    execFileSync("terraform", args, {
      cwd: directory,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" },
    });
  try {
    writeFileSync(join(directory, "main.tf"), steps[0].config);
    terraform("init", "-input=false");
    for (const step of steps) {
      writeFileSync(join(directory, "main.tf"), step.config);
      try {
        terraform("apply", "-input=false", "-auto-approve", ...(step.apply ?? []));
      } catch (error) {
        if (!step.mayFail) throw error;
      }
    }
    writeFileSync(join(directory, "main.tf"), last);
    terraform("plan", "-input=false", "-out=plan.tfplan", ...planArgs);
    return terraform("show", "-json", "plan.tfplan");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Every action kind: create, update, replace both orders, delete, no-op. */
export const terraformDataPlanJson = () => planAfter([{ config: BEFORE }], AFTER);

/** Deposed, forget, moved, -replace. */
export const terraformDataLifecyclePlanJson = () =>
  planAfter([{ config: LIFECYCLE_BEFORE }, { config: LIFECYCLE_FAILING, mayFail: true }], LIFECYCLE_AFTER, [
    "-replace=terraform_data.forced",
  ]);

/** A -target plan: complete false. */
export const terraformDataTargetedPlanJson = () =>
  planAfter([{ config: TARGETED }], TARGETED.replace(/v1/g, "v2"), ["-target=terraform_data.targeted"]);

const fixture = (name: string) => () => readFileSync(join(__dirname, "../fixtures/plans", name), "utf8");
/** The committed real plans. */
export const terraformDataFixture = fixture("terraform-data.plan.json");
export const terraformDataLifecycleFixture = fixture("terraform-data-lifecycle.plan.json");
export const terraformDataTargetedFixture = fixture("terraform-data-targeted.plan.json");
