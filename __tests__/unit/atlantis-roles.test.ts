import { Testing } from "cdktf";
import { validateEnvironments } from "../../config/validate";
import { atlantisApplyPolicy, atlantisPlanPolicy, stackRolesBoundary, type PolicyDocument } from "../../stacks/atlantis-role-policies";
import { AtlantisRolesStack } from "../../stacks/atlantis-roles-stack";
import { expectSynthRefuses, shippedEnvironments } from "../helpers/bad-config";
import { matchesAny } from "../../guards/plan-guard-policy";
import { environmentInput, shippedStacks } from "../helpers/synth";

/** A small environment of its own, so the assertions do not move with the shipped config. */
const environment = (() => {
  const input = environmentInput("prod");
  const [validated] = validateEnvironments([
    {
      ...input,
      aws: { accountId: "444455556666", region: "eu-west-1" },
      state: { bucket: "team-state", key: "opsdata/prod.tfstate", region: "eu-west-1" },
      tableNamePrefix: "t_",
      auditLogBreakGlassRoleArn: "arn:aws:iam::444455556666:role/break-glass",
      atlantis: { principalArn: "arn:aws:iam::999999999999:role/atlantis-server", externalId: "ext-prod" },
    },
  ]);
  return { ...validated, atlantis: validated.atlantis! };
})();

const STATE = "arn:aws:s3:::team-state/opsdata/prod.tfstate";
const LOCK = `${STATE}.tflock`;

const matches = (statement: PolicyDocument["Statement"][number], action: string, resource: string) =>
  matchesAny(statement.Action, action, true) && matchesAny(statement.Resource, resource, false);

/**
 * Whether the policy lets the action on the resource through: an explicit Deny wins; an Allow's
 * conditions are assumed met (the worst case), unless `unconditionally` asks for Allows without any.
 */
function allows(policy: PolicyDocument, action: string, resource: string, unconditionally = false): boolean {
  if (policy.Statement.some((statement) => statement.Effect === "Deny" && matches(statement, action, resource))) return false;
  return policy.Statement.some(
    (statement) =>
      statement.Effect === "Allow" && matches(statement, action, resource) && !(unconditionally && statement.Condition !== undefined),
  );
}

const TABLE = "arn:aws:dynamodb:eu-west-1:444455556666:table/t_audit_logs";
const KEY = "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ARCHIVE_OBJECT = "arn:aws:s3:::t-audit-logs-archive-444455556666/entries/2026/12/02/part-1";
const ROLE = "arn:aws:iam::444455556666:role/t_audit_logs_firehose";

/** Writes (and data reads) the plan role must never be able to make, by service. */
const FORBIDDEN_TO_PLAN: Array<[string, string]> = [
  ...["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "GetItem", "Query", "Scan", "CreateTable", "UpdateTable"]
    .concat(["DeleteTable", "PutResourcePolicy", "DeleteResourcePolicy", "UpdateTimeToLive", "UpdateContinuousBackups"])
    .map((action): [string, string] => [`dynamodb:${action}`, TABLE]),
  ...["Decrypt", "Encrypt", "GenerateDataKey", "CreateGrant", "ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy", "CreateKey"].map(
    (action): [string, string] => [`kms:${action}`, KEY],
  ),
  ["s3:GetObject", ARCHIVE_OBJECT],
  ["s3:PutObject", ARCHIVE_OBJECT],
  ["s3:DeleteObject", ARCHIVE_OBJECT],
  ["s3:DeleteObjectVersion", ARCHIVE_OBJECT],
  ["s3:PutObjectRetention", ARCHIVE_OBJECT],
  ["s3:BypassGovernanceRetention", ARCHIVE_OBJECT],
  ["s3:PutObject", STATE],
  ["s3:DeleteObject", STATE],
  ["s3:PutBucketPolicy", "arn:aws:s3:::t-audit-logs-archive-444455556666"],
  ["s3:PutBucketObjectLockConfiguration", "arn:aws:s3:::t-audit-logs-archive-444455556666"],
  ["s3:PutLifecycleConfiguration", "arn:aws:s3:::t-audit-logs-archive-444455556666"],
  ...["CreateRole", "PutRolePolicy", "AttachRolePolicy", "UpdateAssumeRolePolicy", "PassRole", "CreateAccessKey", "CreateUser"].map(
    (action): [string, string] => [`iam:${action}`, ROLE],
  ),
];

describe("GIVEN an environment with an Atlantis identity WHEN the bootstrap stack is synthesized", () => {
  const stack = JSON.parse(Testing.synth(new AtlantisRolesStack(Testing.app(), environment)));

  test("THEN it creates the plan and apply roles, trusted only by the Atlantis identity with the external id", () => {
    const trust = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AtlantisServerWithExternalId",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::999999999999:role/atlantis-server" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": "ext-prod" } },
        },
      ],
    };
    for (const [id, name] of [
      ["plan", "opsdata-atlantis-plan"],
      ["apply", "opsdata-atlantis-apply"],
    ]) {
      const role = stack.resource.aws_iam_role[id];
      expect(role).toEqual(expect.objectContaining({ name, max_session_duration: 3600, lifecycle: { prevent_destroy: true } }));
      expect(JSON.parse(role.assume_role_policy)).toEqual(trust);
      expect(stack.resource.aws_iam_role_policy[id]).toEqual(expect.objectContaining({ name, role: `\${aws_iam_role.${id}.name}` }));
    }
    expect(Object.keys(stack.output).sort()).toEqual(["apply_role_arn", "plan_role_arn"]);
  });

  test("THEN its state sits beside the environment's, under a key neither role can write", () => {
    expect(stack.terraform.backend.s3).toEqual({
      bucket: "team-state",
      key: "opsdata-infra/bootstrap/atlantis-roles-prod.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    });
    for (const policy of [atlantisPlanPolicy(environment), atlantisApplyPolicy(environment)]) {
      expect(allows(policy, "s3:PutObject", "arn:aws:s3:::team-state/opsdata-infra/bootstrap/atlantis-roles-prod.tfstate")).toBe(false);
    }
  });

  test("THEN it owns the stack roles' permissions boundary, which neither Atlantis role can change", () => {
    expect(stack.resource.aws_iam_policy.stack_roles_boundary).toEqual(
      expect.objectContaining({ name: "opsdata-stack-roles-boundary", lifecycle: { prevent_destroy: true } }),
    );
    expect(JSON.parse(stack.resource.aws_iam_policy.stack_roles_boundary.policy)).toEqual(stackRolesBoundary(environment));
  });

  test("THEN the synthesized policies are the documents of stacks/atlantis-role-policies.ts", () => {
    expect(JSON.parse(stack.resource.aws_iam_role_policy.plan.policy)).toEqual(atlantisPlanPolicy(environment));
    expect(JSON.parse(stack.resource.aws_iam_role_policy.apply.policy)).toEqual(atlantisApplyPolicy(environment));
  });
});

describe("the plan role", () => {
  const plan = atlantisPlanPolicy(environment);

  test.each(FORBIDDEN_TO_PLAN)("cannot %s on %s", (action, resource) => {
    expect(allows(plan, action, resource)).toBe(false);
  });

  test("writes nothing but the state's lock object: every other action is a Describe, Get or List", () => {
    const writes = plan.Statement.flatMap((statement) =>
      statement.Action.filter((action) => !/^[\w-]+:(Describe|Get|List)/.test(action)).map((action) => ({
        action,
        resources: statement.Resource,
      })),
    );
    expect(writes).toEqual([
      { action: "s3:DeleteObject", resources: [LOCK] },
      { action: "s3:PutObject", resources: [LOCK] },
    ]);
    expect(plan.Statement.flatMap((statement) => statement.Action).filter((action) => action.includes("*"))).toEqual([]);
  });

  test("reads the state and takes the lock", () => {
    expect(allows(plan, "s3:GetObject", STATE)).toBe(true);
    expect(allows(plan, "s3:PutObject", LOCK)).toBe(true);
    expect(allows(plan, "s3:DeleteObject", LOCK)).toBe(true);
    expect(allows(plan, "dynamodb:DescribeTable", TABLE)).toBe(true);
  });
});

describe("the apply role", () => {
  const apply = atlantisApplyPolicy(environment);

  test.each([
    ["dynamodb:GetItem", TABLE],
    ["dynamodb:PutItem", TABLE],
    ["dynamodb:Query", TABLE],
    ["dynamodb:Scan", TABLE],
    ["kms:Decrypt", KEY],
    ["kms:Encrypt", KEY],
    ["s3:GetObject", ARCHIVE_OBJECT],
    ["s3:PutObject", ARCHIVE_OBJECT],
    ["s3:DeleteObjectVersion", ARCHIVE_OBJECT],
    ["s3:BypassGovernanceRetention", ARCHIVE_OBJECT],
    ["iam:CreateRole", "arn:aws:iam::444455556666:role/admin"],
    ["iam:PassRole", "arn:aws:iam::444455556666:role/admin"],
    ["iam:CreateUser", "arn:aws:iam::444455556666:user/someone"],
    ["iam:PutRolePermissionsBoundary", ROLE],
    ["iam:DeleteRolePermissionsBoundary", ROLE],
    ["iam:CreatePolicyVersion", "arn:aws:iam::444455556666:policy/opsdata-stack-roles-boundary"],
    ["dynamodb:DeleteTable", "arn:aws:dynamodb:eu-west-1:444455556666:table/another_team_table"],
    ["s3:PutBucketPolicy", "arn:aws:s3:::another-team-bucket"],
    ["s3:PutBucketPolicy", "arn:aws:s3:::team-state"],
    ["s3:DeleteBucket", "arn:aws:s3:::team-state"],
    ["sns:DeleteTopic", "arn:aws:sns:eu-west-1:444455556666:another-topic"],
    ["kinesis:DeleteStream", "arn:aws:kinesis:eu-west-1:444455556666:stream/another_stream"],
  ])("has no data-plane action, no escalation, nothing outside the stack's names: not %s on %s", (action, resource) => {
    expect(allows(apply, action, resource)).toBe(false);
  });

  test("creates or changes the stack's roles' permissions only with the bootstrap's permissions boundary", () => {
    for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRolePolicy"]) {
      expect([action, allows(apply, action, ROLE, true)]).toEqual([action, false]);
      expect([action, allows(apply, action, ROLE)]).toEqual([action, true]);
    }
    const withBoundary = apply.Statement.find((statement) => statement.Action.includes("iam:CreateRole"));
    expect(withBoundary?.Condition).toEqual({
      StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::444455556666:policy/opsdata-stack-roles-boundary" },
    });
  });

  test("changes the stack's resources and writes the state", () => {
    for (const [action, resource] of [
      ["dynamodb:UpdateTable", TABLE],
      ["kms:CreateGrant", KEY],
      ["iam:PutRolePolicy", ROLE],
      ["s3:PutObject", STATE],
      ["s3:PutBucketPolicy", "arn:aws:s3:::t-audit-logs-archive-444455556666"],
      ["cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:eu-west-1:444455556666:alarm:t_api_keys read throttles"],
      ["sns:CreateTopic", "arn:aws:sns:eu-west-1:444455556666:t-alarms"],
      ["logs:CreateLogGroup", "arn:aws:logs:eu-west-1:444455556666:log-group:/aws/kinesisfirehose/t_audit_logs_archive"],
    ]) {
      expect(allows(apply, action, resource)).toBe(true);
    }
    const passRole = apply.Statement.find((statement) => statement.Action.includes("iam:PassRole"));
    expect(passRole?.Condition).toEqual({ StringEquals: { "iam:PassedToService": ["firehose.amazonaws.com", "s3.amazonaws.com"] } });
  });
});

describe("the stack roles' permissions boundary", () => {
  const boundary = stackRolesBoundary(environment);

  test.each([
    ["iam:CreateRole", ROLE],
    ["iam:PassRole", ROLE],
    ["dynamodb:GetItem", TABLE],
    ["dynamodb:DeleteTable", TABLE],
    ["kms:ScheduleKeyDeletion", KEY],
    ["kms:Encrypt", KEY],
    ["s3:DeleteObjectVersion", ARCHIVE_OBJECT],
    ["s3:PutBucketPolicy", "arn:aws:s3:::t-audit-logs-archive-444455556666"],
    ["s3:PutObject", "arn:aws:s3:::another-team-bucket/x"],
    ["s3:GetObject", STATE],
    ["kinesis:GetRecords", "arn:aws:kinesis:eu-west-1:444455556666:stream/another_stream"],
  ])("caps any role the stack creates: never %s on %s", (action, resource) => {
    expect(allows(boundary, action, resource)).toBe(false);
  });

  test("leaves room for what the archive's delivery and replication roles do", () => {
    for (const [action, resource] of [
      ["kinesis:GetRecords", "arn:aws:kinesis:eu-west-1:444455556666:stream/t_audit_logs_archive"],
      ["s3:PutObject", "arn:aws:s3:::t-audit-logs-archive-landing-444455556666/entries/x"],
      ["s3:ReplicateObject", ARCHIVE_OBJECT],
      ["kms:Decrypt", KEY],
    ]) {
      expect([action, allows(boundary, action, resource)]).toEqual([action, true]);
    }
  });
});

describe("configuration", () => {
  test("an environment without `atlantis` gets no roles stack", () => {
    const [validated] = validateEnvironments([{ ...environmentInput("dev"), atlantis: undefined }]);
    expect(validated.atlantis).toBeUndefined();
  });

  test.each([
    [{ principalArn: "atlantis", externalId: "ext" }, /prod\.atlantis\.principalArn: must be an IAM role or user ARN/],
    [{ principalArn: "arn:aws:iam::999999999999:role/atlantis", externalId: "x" }, /prod\.atlantis\.externalId: must be 2-1224/],
  ])("a bad atlantis block %j is refused, naming the field", (atlantis, message) => {
    const environments = shippedEnvironments();
    environments.prod.atlantis = atlantis;
    expectSynthRefuses(environments, message);
  });
});

describe("GIVEN the shipped environment stacks (each with an Atlantis identity)", () => {
  test("THEN every IAM role they create carries the bootstrap's permissions boundary of its account", () => {
    for (const [name, stack] of Object.entries(shippedStacks()).filter(([name]) => name.startsWith("dynamodb-"))) {
      const account = (stack.provider as { aws: Array<{ allowed_account_ids: string[] }> }).aws[0].allowed_account_ids[0];
      const roles = Object.values((stack.resource as Record<string, Record<string, { permissions_boundary?: string }>>).aws_iam_role ?? {});
      for (const role of roles) {
        expect([name, role.permissions_boundary]).toEqual([name, `arn:aws:iam::${account}:policy/opsdata-stack-roles-boundary`]);
      }
    }
  });
});
