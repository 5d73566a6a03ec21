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
import {
  terraformDataFixture,
  terraformDataLifecycleFixture,
  terraformDataLifecyclePlanJson,
  terraformDataPlanJson,
  terraformDataTargetedFixture,
  terraformDataTargetedPlanJson,
} from "../helpers/terraform-data-plan";
import { sharedCheckout } from "./support/project-copy";
import { describeWithTerraform } from "./support/terraform";
import { joinedLines } from "../helpers/output-width";

const actionsByAddress = (text: string) =>
  Object.fromEntries(
    (JSON.parse(text) as { resource_changes: Array<{ address: string; change: { actions: string[] } }> }).resource_changes.map((r) => [
      r.address,
      r.change.actions,
    ]),
  );

/** What the guard reads of a plan's shape: per change its address, deposed?, previous_address, actions; and `complete`. */
const shape = (text: string) => {
  const plan = JSON.parse(text) as {
    complete: boolean;
    resource_changes: Array<{ address: string; deposed?: string; previous_address?: string; change: { actions: string[] } }>;
    prior_state?: { values: { root_module: { resources: Array<{ address: string; deposed_key?: string }> } } };
  };
  return {
    complete: plan.complete,
    changes: plan.resource_changes.map((r) => [
      r.address,
      r.deposed ? "deposed" : "",
      r.previous_address ?? "",
      r.change.actions.join(","),
    ]),
    prior: (plan.prior_state?.values.root_module.resources ?? []).map((r) => [r.address, r.deposed_key ? "deposed" : ""]),
  };
};

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

  test("terraform produces deposed, forget (removed), moved and -replace shapes, as in the committed fixture", () => {
    const fresh = shape(terraformDataLifecyclePlanJson());
    expect(fresh).toEqual({
      complete: true,
      changes: [
        ["terraform_data.deposed", "", "", "create,delete"],
        ["terraform_data.deposed", "deposed", "", "delete"],
        ["terraform_data.forced", "", "", "delete,create"],
        ["terraform_data.forgotten", "", "", "forget"],
        ["terraform_data.new_name", "", "terraform_data.old_name", "no-op"],
      ],
      prior: [
        ["terraform_data.deposed", ""],
        ["terraform_data.deposed", "deposed"],
        ["terraform_data.forced", ""],
        ["terraform_data.forgotten", ""],
        ["terraform_data.new_name", ""],
      ],
    });
    expect(shape(terraformDataLifecycleFixture())).toEqual(fresh);
  });

  test("a -target plan is complete: false and lists only the target; prior_state holds the rest, as in the committed fixture", () => {
    const fresh = shape(terraformDataTargetedPlanJson());
    expect(fresh).toEqual({
      complete: false,
      changes: [["terraform_data.targeted", "", "", "update"]],
      prior: [
        ["terraform_data.targeted", ""],
        ["terraform_data.untouched", ""],
      ],
    });
    expect(shape(terraformDataTargetedFixture())).toEqual(fresh);
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
    // Each printed message with its wrapped lines joined (a temporary path's length decides where they wrap).
    const messages = () => printed.flatMap((spy) => spy.mock.calls.map((call) => joinedLines(String(call[0]))));
    const state = () => join(directory, "terraform.tfstate");

    test("plan only: the saved plan and its JSON are written to the private directory and guarded, nothing is applied", async () => {
      await expect(guardedTerraform({ directory, planDirectory, stack: "dynamodb-dev", stdio: "ignore" })).resolves.toBe(0);
      expect(actionsByAddress(readFileSync(join(planDirectory, PLAN_JSON), "utf8"))).toEqual({ "terraform_data.example": ["create"] });
      expect(existsSync(state())).toBe(false);
      expect(existsSync(join(directory, "tfplan"))).toBe(false);
      expect(messages()).toEqual([
        `plan guard: OK (${join(planDirectory, PLAN_JSON)}: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 to forget, 0 unchanged)`,
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
    spawnSync("node", ["scripts/run-ts.js", "scripts/plan-guard.ts", ...args], { cwd: sharedCheckout(), encoding: "utf8" });

  test("a refused plan exits 1 and prints the address and finding on stderr; a reviewed override (--overrides) passes it", () => {
    const directory = mkdtempSync(join(tmpdir(), "plan-guard-cli-"));
    try {
      const table = { name: "shop_prod_orders", arn: "arn:aws:dynamodb:eu-central-1:444455556666:table/shop_prod_orders" };
      const plan = {
        format_version: "1.2",
        planned_values: {},
        resource_changes: [
          {
            address: "aws_dynamodb_table.orders",
            mode: "managed",
            type: "aws_dynamodb_table",
            change: {
              actions: ["update"],
              before: { ...table, deletion_protection_enabled: true },
              after: { ...table, deletion_protection_enabled: false },
            },
          },
        ],
        complete: true,
      };
      const planPath = join(directory, "plan.json");
      writeFileSync(planPath, JSON.stringify(plan));
      const refused = cli(planPath, "--overrides", join(directory, "none.json"));
      expect(refused.status).toBe(2);
      expect(joinedLines(refused.stderr)).toContain("none.json: no such overrides file");
      writeFileSync(join(directory, "none.json"), "[]");
      const result = cli(planPath, "--overrides", join(directory, "none.json"), "--stack", "dynamodb-prod");
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        "- aws_dynamodb_table.orders deletion-protection-off [deletion_protection_enabled]\n" +
          "  the DynamoDB table shop_prod_orders: turns deletion protection off",
      );
      const expires = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const override = {
        environment: { account: "444455556666", tableNamePrefix: "shop_prod_" },
        address: "aws_dynamodb_table.orders",
        finding: "deletion-protection-off",
        detail: "deletion_protection_enabled",
        reason: "the table is retired in this change",
        expires,
      };
      writeFileSync(join(directory, "overrides.json"), JSON.stringify([override]));
      const passed = cli(planPath, "--overrides", join(directory, "overrides.json"));
      expect(passed.status).toBe(0);
      expect(passed.stdout).toContain(
        `overridden until ${expires}: aws_dynamodb_table.orders deletion-protection-off [deletion_protection_enabled]`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("no plan file is a usage error, exit 2", () => {
    const result = cli();
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe("give exactly one plan file. usage: npm run plan:guard -- <plan.json> [--overrides <file>]");
  });
});

describe("npm run plan|apply", () => {
  test("an unknown environment lists the environments, exit 2, before anything runs", () => {
    const result = spawnSync("node", ["scripts/run-ts.js", "scripts/deploy.ts", "plan", "nosuchenv"], {
      cwd: sharedCheckout(),
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      'unknown environment "nosuchenv". Environments: dev, staging, prod.',
      "usage: npm run plan -- <dev|staging|prod>",
    ]);
  });
});
