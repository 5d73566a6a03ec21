/**
 * Real Terraform plan JSON without a provider download: terraform's built-in `terraform_data`
 * resource, applied once, then planned against a changed configuration so one plan holds every
 * action: create, update, replace in both orders (delete,create and, with create_before_destroy,
 * create,delete), delete and no-op. __tests__/fixtures/plans/terraform-data.plan.json was written
 * by this (terraform 1.11.4); the integration test regenerates it and compares.
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

/** Runs terraform in a temp dir (removed afterwards) and returns `terraform show -json` of the plan. */
export function terraformDataPlanJson(): string {
  const directory = mkdtempSync(join(tmpdir(), "terraform-data-plan-"));
  const terraform = (...args: string[]) =>
    execFileSync("terraform", args, {
      cwd: directory,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" },
    });
  try {
    writeFileSync(join(directory, "main.tf"), BEFORE);
    terraform("init", "-input=false");
    terraform("apply", "-input=false", "-auto-approve");
    writeFileSync(join(directory, "main.tf"), AFTER);
    terraform("plan", "-input=false", "-out=plan.tfplan");
    return terraform("show", "-json", "plan.tfplan");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The committed real plan. */
export const terraformDataFixture = () => readFileSync(join(__dirname, "../fixtures/plans/terraform-data.plan.json"), "utf8");
