/**
 * The plan guard on plan JSON: a real terraform plan (terraform_data, every action) and a prod plan
 * in the same format with AWS provider 6.25 attribute names (__tests__/fixtures/plans/).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatGuardResult, guardPlan, parsePlan, type PlanGuardOverride } from "../../guards/plan-guard";
import { guardPlanFile } from "../../scripts/plan-guard-file";
import { terraformDataFixture } from "../helpers/terraform-data-plan";

type Json = Record<string, unknown>;
interface MutableChange {
  address: string;
  type: string;
  change: { actions: string[]; before: Json | null; after: Json | null; after_unknown: Json };
}
const root = join(__dirname, "../..");
const realPlan = () => JSON.parse(terraformDataFixture()) as { resource_changes: MutableChange[] } & Json;
const awsPlan = () =>
  JSON.parse(readFileSync(join(root, "__tests__/fixtures/plans/aws-prod-no-changes.plan.json"), "utf8")) as {
    resource_changes: MutableChange[];
  } & Json;

/** The real terraform_data change at `from`, presented as a resource of another type (actions and shape untouched). */
function relabel(plan: ReturnType<typeof realPlan>, from: string, to: string) {
  const change = plan.resource_changes.find((resource) => resource.address === from)!;
  change.address = to;
  change.type = to.split(".")[0];
  return plan;
}

/** The prod plan with one resource changed in place: `edit` rewrites its `after` values. */
function updated(address: string, edit: (after: Json, afterUnknown: Json) => void) {
  const plan = awsPlan();
  const resource = plan.resource_changes.find((r) => r.address === address)!;
  resource.change.actions = ["update"];
  edit(resource.change.after!, resource.change.after_unknown);
  return plan;
}

const check = (plan: object, overrides: PlanGuardOverride[] = [], stack = "dynamodb-prod") =>
  guardPlan(parsePlan(JSON.stringify(plan), "plan.json"), { stack, overrides });
const reasons = (plan: object) => check(plan).findings.map((found) => `${found.address}: ${found.reason}`);

describe("real terraform plan JSON (terraform_data)", () => {
  test("GIVEN every action on an unprotected type WHEN guarded THEN it passes with a one-line summary", () => {
    const { text, exitCode } = formatGuardResult(check(realPlan()), "plan.json");
    expect(exitCode).toBe(0);
    expect(text).toBe("plan guard: OK (plan.json: 1 to create, 1 to update, 2 to replace, 1 to delete, 1 unchanged)");
  });

  test("a table replaced delete-then-create is refused", () => {
    const plan = relabel(realPlan(), "terraform_data.replaced_delete_first", "aws_dynamodb_table.api_keys");
    expect(reasons(plan)).toEqual(["aws_dynamodb_table.api_keys: replaces it (delete then create): deletes the DynamoDB table"]);
  });

  test("a table replaced create-then-delete (create_before_destroy) is refused", () => {
    const plan = relabel(realPlan(), "terraform_data.replaced_create_first", "aws_dynamodb_table.audit_logs");
    expect(reasons(plan)).toEqual(["aws_dynamodb_table.audit_logs: replaces it (create then delete): deletes the DynamoDB table"]);
  });

  test("the KMS key deleted is refused", () => {
    const plan = relabel(realPlan(), "terraform_data.deleted", "aws_kms_key.dynamodb_tables");
    expect(reasons(plan)).toEqual([
      "aws_kms_key.dynamodb_tables: schedules deletion of the KMS key that encrypts the tables, their PITR history and backups (unreadable once deleted)",
    ]);
  });

  test("the audit_logs resource policy replaced is refused", () => {
    const plan = relabel(realPlan(), "terraform_data.replaced_delete_first", "aws_dynamodb_resource_policy.audit_logs");
    expect(reasons(plan)).toEqual([
      "aws_dynamodb_resource_policy.audit_logs: replaces it (delete then create): removes the append-only resource policy: entries can be modified and deleted until it is back",
    ]);
  });

  test.each([
    ["aws_s3_bucket.audit_archive", "deletes the audit archive bucket (the compliance copy of every audit entry)"],
    [
      "aws_s3_bucket_object_lock_configuration.audit_archive",
      "removes the archive's default Object Lock retention: new archive objects are no longer write-once",
    ],
    [
      "aws_dynamodb_kinesis_streaming_destination.audit_archive",
      "stops streaming audit_logs to the archive: entries written until it is back are never archived and TTL deletes them",
    ],
    ["aws_kinesis_stream.audit_archive", "deletes the archive's Kinesis stream with the records Firehose has not delivered yet"],
    [
      "aws_kinesis_firehose_delivery_stream.audit_archive",
      "deletes the archive's Firehose stream: nothing is delivered to the bucket until it is back",
    ],
  ])("the audit archive's %s deleted is refused", (address, reason) => {
    const plan = relabel(realPlan(), "terraform_data.deleted", address);
    expect(reasons(plan)).toEqual([`${address}: ${reason}`]);
  });

  test("a refused plan names the address, the reason and the safe procedure", () => {
    const plan = relabel(realPlan(), "terraform_data.replaced_delete_first", "aws_dynamodb_table.api_keys");
    const { text, exitCode } = formatGuardResult(check(plan), "plan.json");
    expect(exitCode).toBe(1);
    expect(text.split("\n")).toEqual([
      "plan guard: REFUSED (plan.json: 1 to create, 1 to update, 2 to replace, 1 to delete, 1 unchanged). 1 change(s) would lose data or lift a protection:",
      "- aws_dynamodb_table.api_keys [delete,create] change replace: replaces it (delete then create): deletes the DynamoDB table",
      "    safe procedure: every item is lost (PITR and backups belong to the old table). Safe procedure: add a new table definition, dual-write and backfill, switch readers, then remove the old table in a later change; or restore from PITR/backup into a new table",
      'If a change is intended and reviewed, add { "stack", "address", "change", "reason" } to guards/plan-guard-overrides.json in the pull request.',
    ]);
  });
});

describe("prod plan with AWS provider 6.25 attributes", () => {
  test("no changes pass", () => {
    expect(formatGuardResult(check(awsPlan()), "plan.json").text).toBe(
      "plan guard: OK (plan.json: 0 to create, 0 to update, 0 to replace, 0 to delete, 5 unchanged)",
    );
  });

  test("benign updates pass: table tags, an autoscaling policy's target", () => {
    const plan = updated("aws_dynamodb_table.audit_logs", (after) => {
      after.tags = { team: "platform", cost_center: "42" };
      after.tags_all = after.tags;
    });
    const policy = plan.resource_changes.find((r) => r.address === "aws_appautoscaling_policy.webhook_events_read")!;
    policy.change.actions = ["update"];
    policy.change.after = { ...policy.change.after, target_tracking_scaling_policy_configuration: [{ target_value: 60 }] };
    expect(formatGuardResult(check(plan), "plan.json")).toEqual({
      text: "plan guard: OK (plan.json: 0 to create, 2 to update, 0 to replace, 0 to delete, 3 unchanged)",
      exitCode: 0,
    });
  });

  test("disabling the stream is refused", () => {
    const plan = updated("aws_dynamodb_table.audit_logs", (after) => (after.stream_enabled = false));
    expect(reasons(plan)).toEqual(["aws_dynamodb_table.audit_logs: disables the stream"]);
  });

  test("changing the stream view type is refused", () => {
    const plan = updated("aws_dynamodb_table.audit_logs", (after) => (after.stream_view_type = "NEW_AND_OLD_IMAGES"));
    expect(reasons(plan)).toEqual(["aws_dynamodb_table.audit_logs: changes the stream view type NEW_IMAGE -> NEW_AND_OLD_IMAGES"]);
  });

  test("disabling PITR is refused", () => {
    const plan = updated(
      "aws_dynamodb_table.webhook_events",
      (after) => (after.point_in_time_recovery = [{ enabled: false, recovery_period_in_days: 0 }]),
    );
    expect(reasons(plan)).toEqual(["aws_dynamodb_table.webhook_events: disables point-in-time recovery (its restore history is dropped)"]);
  });

  test("shortening the PITR window is refused, lengthening it passes", () => {
    const shorter = updated(
      "aws_dynamodb_table.webhook_events",
      (after) => (after.point_in_time_recovery = [{ enabled: true, recovery_period_in_days: 7 }]),
    );
    expect(reasons(shorter)).toEqual([
      "aws_dynamodb_table.webhook_events: shortens the PITR window 35 -> 7 days (older restore points are dropped)",
    ]);
    const longer = awsPlan();
    const table = longer.resource_changes.find((r) => r.address === "aws_dynamodb_table.webhook_events")!;
    table.change.before = { ...table.change.before, point_in_time_recovery: [{ enabled: true, recovery_period_in_days: 7 }] };
    table.change.actions = ["update"];
    expect(reasons(longer)).toEqual([]);
  });

  test("turning deletion protection off is refused", () => {
    const plan = updated("aws_dynamodb_table.webhook_events", (after) => (after.deletion_protection_enabled = false));
    expect(reasons(plan)).toEqual(["aws_dynamodb_table.webhook_events: turns deletion protection off"]);
  });

  test("moving a table to another KMS key, or to one known only after apply, is refused", () => {
    const other = "arn:aws:kms:eu-west-1:333333333333:key/9d1c2b3a-0000-4000-8000-000000000001";
    const moved = updated(
      "aws_dynamodb_table.audit_logs",
      (after) => (after.server_side_encryption = [{ enabled: true, kms_key_arn: other }]),
    );
    expect(reasons(moved)).toEqual([
      `aws_dynamodb_table.audit_logs: moves the table from arn:aws:kms:eu-west-1:333333333333:key/0f6c9a4e-2b7d-4c1e-9a53-7d1e8b2f4a10 to ${other}`,
    ]);
    const unknown = updated("aws_dynamodb_table.audit_logs", (after, afterUnknown) => {
      after.server_side_encryption = [{ enabled: true }];
      afterUnknown.server_side_encryption = [{ kms_key_arn: true }];
    });
    expect(reasons(unknown)).toEqual([
      "aws_dynamodb_table.audit_logs: moves the table from arn:aws:kms:eu-west-1:333333333333:key/0f6c9a4e-2b7d-4c1e-9a53-7d1e8b2f4a10 to (known after apply)",
    ]);
  });

  test("dropping a GSI is refused", () => {
    const plan = updated("aws_dynamodb_table.webhook_events", (after) => (after.global_secondary_index = []));
    expect(reasons(plan)).toEqual(["aws_dynamodb_table.webhook_events: drops global secondary index status-next_retry_at-index"]);
  });

  test("a TTL change on audit_logs, whose policy denies UpdateTimeToLive, is refused before the apply fails", () => {
    const plan = updated("aws_dynamodb_table.audit_logs", (after) => (after.ttl = [{ attribute_name: "retain_until", enabled: true }]));
    expect(reasons(plan)).toEqual([
      "aws_dynamodb_table.audit_logs: changes TTL expires_at/on -> retain_until/on, which the table's append-only policy denies (UpdateTimeToLive): the apply would fail with AccessDenied",
    ]);
  });

  test("a TTL change on a table without such a policy passes (the schema lock reviews it)", () => {
    const plan = updated("aws_dynamodb_table.webhook_events", (after) => (after.ttl = [{ attribute_name: "retain_until", enabled: true }]));
    expect(reasons(plan)).toEqual([]);
  });

  test("disabling the tables' KMS key is refused", () => {
    const plan = updated("aws_kms_key.dynamodb_tables", (after) => (after.is_enabled = false));
    expect(reasons(plan)).toEqual(["aws_kms_key.dynamodb_tables: disables the KMS key: every table encrypted with it becomes unreadable"]);
  });

  test("a policy update that stops denying an action is refused; adding a denial passes", () => {
    const lifted = updated("aws_dynamodb_resource_policy.audit_logs", (after) => {
      const document = JSON.parse(String(after.policy));
      document.Statement[0].Action = document.Statement[0].Action.filter((action: string) => action !== "dynamodb:UpdateContinuousBackups");
      after.policy = JSON.stringify(document);
    });
    expect(reasons(lifted)).toEqual(["aws_dynamodb_resource_policy.audit_logs: stops denying dynamodb:UpdateContinuousBackups"]);
    const added = updated("aws_dynamodb_resource_policy.audit_logs", (after) => {
      const document = JSON.parse(String(after.policy));
      document.Statement[0].Action.push("dynamodb:RestoreTableToPointInTime");
      after.policy = JSON.stringify(document);
    });
    expect(reasons(added)).toEqual([]);
  });
});

describe("overrides: per stack, address and change, with a reason", () => {
  const plan = () => updated("aws_dynamodb_table.webhook_events", (after) => (after.global_secondary_index = []));
  const override = {
    stack: "dynamodb-prod",
    address: "aws_dynamodb_table.webhook_events",
    change: "gsi-dropped",
    reason: "readers moved off the index in release 41",
  };

  test("an override for the stack and address passes the plan and shows its reason", () => {
    const { text, exitCode } = formatGuardResult(check(plan(), [override]), "plan.json");
    expect(exitCode).toBe(0);
    expect(text.split("\n")).toEqual([
      "overridden: aws_dynamodb_table.webhook_events gsi-dropped: drops global secondary index status-next_retry_at-index (reviewed reason: readers moved off the index in release 41)",
      "plan guard: OK (plan.json: 0 to create, 1 to update, 0 to replace, 0 to delete, 4 unchanged)",
    ]);
  });

  test("an override waives only its own change: the same address replaced is still refused", () => {
    const replaced = relabel(realPlan(), "terraform_data.replaced_delete_first", "aws_dynamodb_table.webhook_events");
    const result = check(replaced, [override]);
    expect(result.findings.map((found) => `${found.address} ${found.change}`)).toEqual(["aws_dynamodb_table.webhook_events replace"]);
    expect(result.warnings).toEqual([
      "override for aws_dynamodb_table.webhook_events gsi-dropped (dynamodb-prod): nothing to override in this plan; remove it from guards/plan-guard-overrides.json",
    ]);
  });

  test("an override for another stack does not apply", () => {
    expect(formatGuardResult(check(plan(), [{ ...override, stack: "dynamodb-dev" }]), "plan.json").exitCode).toBe(1);
  });

  test("an override for an address not in the plan is warned", () => {
    const result = check(awsPlan(), [{ ...override, address: "aws_dynamodb_table.api_keys" }]);
    expect(result.warnings).toEqual([
      "override for aws_dynamodb_table.api_keys (dynamodb-prod): not in this plan; remove it from guards/plan-guard-overrides.json",
    ]);
  });

  test("an override with nothing to override is warned", () => {
    expect(check(awsPlan(), [override]).warnings).toEqual([
      "override for aws_dynamodb_table.webhook_events gsi-dropped (dynamodb-prod): nothing to override in this plan; remove it from guards/plan-guard-overrides.json",
    ]);
  });

  test("the committed overrides file is valid and empty", () => {
    expect(JSON.parse(readFileSync(join(root, "guards/plan-guard-overrides.json"), "utf8"))).toEqual([]);
  });
});

describe("bad input: exit 2 naming the file, never a pass", () => {
  let directory: string;
  beforeAll(() => (directory = mkdtempSync(join(tmpdir(), "plan-guard-"))));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const guardText = (name: string, text: string, overrides = "[]") => {
    const planPath = join(directory, name);
    writeFileSync(planPath, text);
    writeFileSync(join(directory, "overrides.json"), overrides);
    return guardPlanFile(planPath, { stack: "dynamodb-prod", overridesPath: join(directory, "overrides.json") });
  };

  test("not JSON", () => {
    const { text, exitCode } = guardText("notjson.json", "Terraform will perform the following actions:");
    expect(exitCode).toBe(2);
    expect(text).toContain(`plan guard: cannot check: ${join(directory, "notjson.json")}: not valid JSON (`);
  });

  test("truncated", () => {
    const { text, exitCode } = guardText("truncated.json", terraformDataFixture().slice(0, 900));
    expect(exitCode).toBe(2);
    expect(text).toMatch(/truncated\.json: not valid JSON \(.*\); the file may be truncated/);
  });

  test("a future major format_version", () => {
    const { text, exitCode } = guardText("v2.json", JSON.stringify({ ...realPlan(), format_version: "2.0" }));
    expect(exitCode).toBe(2);
    expect(text).toBe(
      `plan guard: cannot check: ${join(directory, "v2.json")}: format_version "2.0" is not a Terraform JSON plan this guard reads (1.x); write it with: terraform show -json <planfile>`,
    );
  });

  test("a state file instead of a plan", () => {
    const { text, exitCode } = guardText("state.json", JSON.stringify({ format_version: "1.0", terraform_version: "1.11.4", values: {} }));
    expect(exitCode).toBe(2);
    expect(text).toContain("state.json: has no planned_values, so it is not a plan (a state file?)");
  });

  test("an action Terraform does not have", () => {
    const plan = realPlan();
    plan.resource_changes[0].change.actions = ["destroy"];
    const { text, exitCode } = guardText("actions.json", JSON.stringify(plan));
    expect(exitCode).toBe(2);
    expect(text).toContain(
      'actions.json: resource_changes[0] (terraform_data.created): change.actions ["destroy"] is not a Terraform action list',
    );
  });

  test("an override without a reason", () => {
    const { text, exitCode } = guardText(
      "ok.json",
      terraformDataFixture(),
      JSON.stringify([{ stack: "dynamodb-prod", address: "x", change: "replace" }]),
    );
    expect(exitCode).toBe(2);
    expect(text).toBe(
      `plan guard: cannot check: ${join(directory, "overrides.json")}: entry 0 needs a non-empty reason (the reason is what reviewers approve)`,
    );
  });

  test("a missing plan file", () => {
    const { text, exitCode } = guardPlanFile(join(directory, "missing.json"));
    expect(exitCode).toBe(2);
    expect(text).toContain("missing.json: no such file");
  });
});
