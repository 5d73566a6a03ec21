/**
 * The plan guard and the guarded path with the real terraform binary (terraform_data: no provider
 * download): the committed real plan is what terraform produces, and `npm run plan|apply`'s steps
 * apply exactly the saved plan, only after the guard passed and the stack name was typed; and the
 * two commands as processes (exit codes, what they print).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { PLAN_JSON, guardedTerraform } from "../../scripts/guarded-terraform";
import { terraformDataFixture, terraformDataPlanJson } from "../helpers/terraform-data-plan";
import { describeWithTerraform } from "./support/terraform";

const root = join(__dirname, "../..");
const actionsByAddress = (text: string) =>
  Object.fromEntries(
    (JSON.parse(text) as { resource_changes: Array<{ address: string; change: { actions: string[] } }> }).resource_changes.map((r) => [
      r.address,
      r.change.actions,
    ]),
  );

describeWithTerraform("plan guard on real terraform plans", () => {
  test("terraform produces every action the guard reads, as in the committed fixture", () => {
    const fresh = actionsByAddress(terraformDataPlanJson());
    expect(fresh).toEqual({
      "terraform_data.created": ["create"],
      "terraform_data.deleted": ["delete"],
      "terraform_data.replaced_create_first": ["create", "delete"],
      "terraform_data.replaced_delete_first": ["delete", "create"],
      "terraform_data.unchanged": ["no-op"],
      "terraform_data.updated": ["update"],
    });
    expect(actionsByAddress(terraformDataFixture())).toEqual(fresh);
  });

  describe("the guarded path (init, plan -out, show -json, guard, apply of the saved plan)", () => {
    let directory: string;
    let planDirectory: string;
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), "guarded-terraform-"));
      planDirectory = mkdtempSync(join(tmpdir(), "guarded-terraform-plan-"));
      writeFileSync(join(directory, "main.tf"), 'resource "terraform_data" "example" { input = "v1" }\n');
    });
    let printed: jest.SpyInstance[];
    beforeEach(() => (printed = [jest.spyOn(console, "log").mockImplementation(), jest.spyOn(console, "error").mockImplementation()]));
    afterEach(() => {
      printed.forEach((spy) => spy.mockRestore());
      rmSync(directory, { recursive: true, force: true });
      rmSync(planDirectory, { recursive: true, force: true });
    });
    const messages = () => printed.flatMap((spy) => spy.mock.calls.map((call) => String(call[0])));
    const state = () => join(directory, "terraform.tfstate");

    test("plan only: the saved plan and its JSON are written to the private directory and guarded, nothing is applied", async () => {
      await expect(guardedTerraform({ directory, planDirectory, stack: "dynamodb-dev", stdio: "ignore" })).resolves.toBe(0);
      expect(actionsByAddress(readFileSync(join(planDirectory, PLAN_JSON), "utf8"))).toEqual({ "terraform_data.example": ["create"] });
      expect(existsSync(state())).toBe(false);
      expect(existsSync(join(directory, "tfplan"))).toBe(false);
      expect(messages()).toEqual([
        `plan guard: OK (${join(planDirectory, PLAN_JSON)}: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged)`,
        "dynamodb-dev: the plan passed the plan guard. `npm run apply -- <env>` plans, guards and applies in one run.",
      ]);
    });

    test("by default the plan goes to a new private temporary directory, removed afterwards", async () => {
      const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith("opsdata-dynamodb-dev-plan-")));
      await expect(guardedTerraform({ directory, stack: "dynamodb-dev", stdio: "ignore" })).resolves.toBe(0);
      const guardedPath = messages()[0].match(/\((.+)\/tfplan\.json:/)![1];
      expect(guardedPath.startsWith(join(tmpdir(), "opsdata-dynamodb-dev-plan-"))).toBe(true);
      expect(before.has(basename(guardedPath))).toBe(false);
      expect(existsSync(guardedPath)).toBe(false);
    });

    test("a saved plan changed after the guard passed is not applied", async () => {
      const confirm = async () => {
        writeFileSync(join(planDirectory, "tfplan"), "another plan");
        return true;
      };
      await expect(
        guardedTerraform({ directory, planDirectory, stack: "dynamodb-dev", apply: true, confirm, stdio: "ignore" }),
      ).resolves.toBe(1);
      expect(existsSync(state())).toBe(false);
      expect(messages()).toContain("dynamodb-dev: the saved plan changed after the plan guard passed; nothing was applied. Run it again.");
    });

    test("apply without confirmation applies nothing", async () => {
      const confirm = jest.fn(async () => false);
      await expect(guardedTerraform({ directory, stack: "dynamodb-dev", apply: true, confirm, stdio: "ignore" })).resolves.toBe(1);
      expect(confirm).toHaveBeenCalledWith("Apply this plan to dynamodb-dev? Type the stack name (dynamodb-dev) to confirm: ");
      expect(existsSync(state())).toBe(false);
      expect(messages()).toContain("dynamodb-dev: not confirmed; nothing was applied.");
    });

    test("apply after confirmation applies the saved plan", async () => {
      await expect(
        guardedTerraform({ directory, stack: "dynamodb-dev", apply: true, confirm: async () => true, stdio: "ignore" }),
      ).resolves.toBe(0);
      const applied = JSON.parse(readFileSync(state(), "utf8")) as {
        resources: Array<{ type: string; name: string; instances: Array<{ attributes: { input: { value: string } } }> }>;
      };
      expect(applied.resources.map((r) => [`${r.type}.${r.name}`, r.instances[0].attributes.input.value])).toEqual([
        ["terraform_data.example", "v1"],
      ]);
    });
  });
});

describe("npm run plan:guard", () => {
  const cli = (...args: string[]) =>
    spawnSync("node", ["scripts/run-ts.js", "scripts/plan-guard.ts", ...args], { cwd: root, encoding: "utf8" });

  test("a refused plan exits 1 and prints the findings on stderr", () => {
    const directory = mkdtempSync(join(tmpdir(), "plan-guard-cli-"));
    try {
      const planPath = join(directory, "plan.json");
      // The committed prod plan, with webhook_events' deletion protection turned off in place.
      const plan = JSON.parse(readFileSync(join(root, "__tests__/fixtures/plans/aws-prod-no-changes.plan.json"), "utf8")) as {
        resource_changes: Array<{ address: string; change: { actions: string[]; after: Record<string, unknown> } }>;
      };
      const table = plan.resource_changes.find((resource) => resource.address === "aws_dynamodb_table.webhook_events")!;
      table.change.actions = ["update"];
      table.change.after.deletion_protection_enabled = false;
      writeFileSync(planPath, JSON.stringify(plan));
      const result = cli(planPath, "--stack", "dynamodb-prod");
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        "- aws_dynamodb_table.webhook_events [update] change deletion-protection-off: turns deletion protection off",
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("no plan file is a usage error, exit 2", () => {
    const result = cli();
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      "give exactly one plan file. usage: npm run plan:guard -- <plan.json> [--stack <stack, e.g. dynamodb-prod>]",
    );
  });
});

describe("npm run plan|apply", () => {
  test("an unknown environment lists the environments, exit 2, before anything runs", () => {
    const result = spawnSync("node", ["scripts/run-ts.js", "scripts/deploy.ts", "plan", "nosuchenv"], { cwd: root, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      'unknown environment "nosuchenv". Environments: dev, staging, prod.',
      "usage: npm run plan -- <dev|staging|prod>",
    ]);
  });
});
