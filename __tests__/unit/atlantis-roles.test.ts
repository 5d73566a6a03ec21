import { Testing } from "cdktf";
import { validateEnvironments } from "../../config/validate";
import { atlantisApplyPolicy, atlantisPlanPolicy, type PolicyDocument } from "../../stacks/atlantis-role-policies";
import { AtlantisRolesStack } from "../../stacks/atlantis-roles-stack";
import { expectSynthRefuses, shippedEnvironments } from "../helpers/bad-config";
import { environmentInput } from "../helpers/synth";

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

const glob = (pattern: string, flags = "") =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    flags,
  );

/** Whether any Allow statement covers the action on the resource (conditions assumed met: the worst case). */
function allows(policy: PolicyDocument, action: string, resource: string): boolean {
  return policy.Statement.some(
    (statement) =>
      statement.Effect === "Allow" &&
      statement.Action.some((pattern) => glob(pattern, "i").test(action)) &&
      statement.Resource.some((pattern) => glob(pattern).test(resource)),
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
    ["iam:AttachRolePolicy", ROLE],
  ])("has no data-plane or identity escalation: not %s on %s", (action, resource) => {
    expect(allows(apply, action, resource)).toBe(false);
  });

  test("changes the stack's resources and writes the state", () => {
    for (const [action, resource] of [
      ["dynamodb:UpdateTable", TABLE],
      ["kms:CreateGrant", KEY],
      ["iam:PutRolePolicy", ROLE],
      ["s3:PutObject", STATE],
    ]) {
      expect(allows(apply, action, resource)).toBe(true);
    }
    const passRole = apply.Statement.find((statement) => statement.Action.includes("iam:PassRole"));
    expect(passRole?.Condition).toEqual({ StringEquals: { "iam:PassedToService": ["firehose.amazonaws.com", "s3.amazonaws.com"] } });
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
