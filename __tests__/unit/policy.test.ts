import { ENVIRONMENT_NAMES, environmentInput, parse, synthEnvironment } from "../helpers/synth";
import { POLICY_RULES } from "./policy-rules";

describe.each(ENVIRONMENT_NAMES)("policy rules hold for the shipped %s stack", (environmentName) => {
  const stack = parse(synthEnvironment(environmentInput(environmentName)));
  const binding = POLICY_RULES.filter((rule) => rule.appliesTo.includes(environmentName));
  test.each(binding.map((rule) => [rule.id, rule.description, rule] as const))("%s: %s", (_id, _description, rule) => {
    expect(rule.violations(stack)).toEqual([]);
  });
});

/** The rules can fail: each is shown a stack that breaks it. */
describe("policy rules catch violations", () => {
  const rule = (id: string) => POLICY_RULES.find((r) => r.id === id)!;

  test("CKV_AWS_28 flags a table without PITR", () => {
    const input = environmentInput("staging");
    input.protection!.pointInTimeRecovery = { enabled: false };
    expect(rule("CKV_AWS_28").violations(parse(synthEnvironment(input)))).toContain("api_keys: point_in_time_recovery.enabled is not true");
  });

  test("CKV_AWS_119 flags tables on the AWS-owned key", () => {
    expect(rule("CKV_AWS_119").violations(parse(synthEnvironment(environmentInput("staging"))))).toHaveLength(4);
  });

  test("CKV2_AWS_16 and the policy rule flag a missing target or policy", () => {
    const stack = parse(synthEnvironment(environmentInput("prod")));
    delete stack.resource.aws_appautoscaling_target["webhook_events_status-next_retry_at-index_write"];
    expect(rule("CKV2_AWS_16").violations(stack)).toEqual([
      "webhook_events: no WriteCapacityUnits scalable target for table/${aws_dynamodb_table.webhook_events.name}/index/status-next_retry_at-index",
    ]);
    const other = parse(synthEnvironment(environmentInput("prod")));
    delete other.resource.aws_appautoscaling_policy.api_keys_read;
    expect(rule("OPS_SCALABLE_TARGET_HAS_POLICY").violations(other)).toEqual([
      "aws_appautoscaling_target.api_keys_read: no target-tracking policy",
    ]);
  });

  test("CKV_AWS_7 flags a key without rotation", () => {
    const stack = parse(synthEnvironment(environmentInput("prod")));
    stack.resource.aws_kms_key.dynamodb_tables.enable_key_rotation = false;
    expect(rule("CKV_AWS_7").violations(stack)).toEqual(["aws_kms_key.dynamodb_tables: enable_key_rotation is not true"]);
  });

  test("the prod protection rule flags a table without deletion protection or prevent_destroy", () => {
    const stack = parse(synthEnvironment(environmentInput("staging")));
    expect(rule("OPS_PROD_DELETION_PROTECTION").violations(stack)).toContain("audit_logs: lifecycle.prevent_destroy is not true");
  });

  test("the state and account rules flag an unlocked backend and an unpinned provider", () => {
    const stack = parse(synthEnvironment(environmentInput("dev")));
    delete stack.terraform.backend.s3.use_lockfile;
    delete stack.provider.aws[0].allowed_account_ids;
    expect(rule("OPS_STATE_ENCRYPTED_LOCKED").violations(stack)).toEqual(["backend s3: use_lockfile is not true"]);
    expect(rule("OPS_ALLOWED_ACCOUNT_IDS").violations(stack)).toHaveLength(1);
  });

  test("the TTL and append-only rules flag a table without TTL and a weakened audit policy", () => {
    const stack = parse(synthEnvironment(environmentInput("dev")));
    stack.resource.aws_dynamodb_table.api_keys.ttl = { attribute_name: "expires_at", enabled: false };
    const policy = stack.resource.aws_dynamodb_resource_policy.audit_logs;
    const document = JSON.parse(String(policy.policy));
    document.Statement[0].Action = ["dynamodb:DeleteTable"];
    policy.policy = JSON.stringify(document);
    expect(rule("OPS_TTL").violations(stack)).toEqual(["api_keys: ttl is not enabled on an attribute"]);
    expect(rule("OPS_AUDIT_APPEND_ONLY").violations(stack)).toContain("audit_logs policy: dynamodb:UpdateItem is not denied");
  });

  test("the alarm rule flags a GSI without a throttle alarm and a table without a ceiling alarm", () => {
    const stack = parse(synthEnvironment(environmentInput("prod")));
    delete stack.resource.aws_cloudwatch_metric_alarm["webhook_events_status-next_retry_at-index_write_throttle_events"];
    delete stack.resource.aws_cloudwatch_metric_alarm.api_keys_read_capacity_at_max;
    delete stack.resource.aws_cloudwatch_metric_alarm.audit_logs_system_errors;
    expect(rule("OPS_ALARMS_EVERY_TABLE_AND_GSI").violations(stack)).toEqual([
      "api_keys: no ProvisionedReadCapacityUnits alarm with actions",
      "audit_logs: no SystemErrors alarm",
      "webhook_events/status-next_retry_at-index: no WriteThrottleEvents alarm with actions",
    ]);
  });

  test("the alarm rule flags an alarm without actions", () => {
    const stack = parse(synthEnvironment(environmentInput("staging")));
    stack.resource.aws_cloudwatch_metric_alarm.api_keys_read_throttle_events.alarm_actions = [];
    expect(rule("OPS_ALARMS_EVERY_TABLE_AND_GSI").violations(stack)).toEqual(["api_keys: no ReadThrottleEvents alarm with actions"]);
  });

  test("the archive rules flag a weakened bucket and a prod stack without an archive", () => {
    const stack = parse(synthEnvironment(environmentInput("prod")));
    stack.resource.aws_s3_bucket.audit_archive.lifecycle = { prevent_destroy: false };
    stack.resource.aws_s3_bucket_object_lock_configuration.audit_archive.rule = { default_retention: { mode: "GOVERNANCE", years: 7 } };
    stack.resource.aws_s3_bucket_public_access_block.audit_archive.restrict_public_buckets = false;
    delete stack.resource.aws_s3_bucket_policy;
    expect(rule("OPS_AUDIT_ARCHIVE_PROTECTED").violations(stack)).toEqual([
      "aws_s3_bucket.audit_archive: lifecycle.prevent_destroy is not true",
      "aws_s3_bucket.audit_archive: default retention is not COMPLIANCE",
      "aws_s3_bucket.audit_archive: public access is not fully blocked",
      "aws_s3_bucket.audit_archive: no policy denying non-TLS access",
      "aws_s3_bucket.audit_archive_landing: no policy denying non-TLS access",
    ]);
    const input = environmentInput("prod");
    input.auditArchive = { enabled: false };
    expect(rule("OPS_AUDIT_ARCHIVE_IN_PROD").violations(parse(synthEnvironment(input)))).toEqual([
      "audit_logs: no Kinesis streaming destination",
      "audit_logs: no Firehose delivery to an S3 bucket of this stack",
    ]);
  });
});
