/**
 * The policy suite's rules, over a synthesized stack's JSON. Each returns its violations (empty
 * when the stack complies). checkov ids are given where a rule mirrors a checkov check.
 */
import type { SynthesizedStack } from "../helpers/synth";
import { resourcesOf } from "../helpers/synth";

export interface PolicyRule {
  readonly id: string;
  readonly description: string;
  /** Environments the rule binds; others are documented exceptions (docs/testing.md, "Policy rules"). */
  readonly appliesTo: ReadonlyArray<"dev" | "staging" | "prod">;
  readonly violations: (stack: SynthesizedStack) => string[];
}

type Resource = Record<string, unknown> & { lifecycle?: { prevent_destroy?: boolean } };
const tables = (stack: SynthesizedStack) => Object.entries(resourcesOf(stack, "aws_dynamodb_table")) as Array<[string, Resource]>;
const ALL = ["dev", "staging", "prod"] as const;
const bucketRef = (id: string) => `\${aws_s3_bucket.${id}.id}`;
const byBucket = (stack: SynthesizedStack, type: string, id: string) =>
  Object.values(resourcesOf(stack, type)).find((resource) => resource.bucket === bucketRef(id));

export const POLICY_RULES: PolicyRule[] = [
  {
    id: "CKV_AWS_28",
    description: "DynamoDB point-in-time recovery is enabled",
    appliesTo: ["staging", "prod"],
    violations: (stack) =>
      tables(stack)
        .filter(([, t]) => (t.point_in_time_recovery as { enabled?: boolean } | undefined)?.enabled !== true)
        .map(([id]) => `${id}: point_in_time_recovery.enabled is not true`),
  },
  {
    id: "CKV_AWS_119",
    description: "DynamoDB tables are encrypted with a customer-managed KMS key",
    appliesTo: ["prod"],
    violations: (stack) =>
      tables(stack)
        .filter(([, t]) => {
          const sse = t.server_side_encryption as { enabled?: boolean; kms_key_arn?: string } | undefined;
          return !(sse?.enabled === true && typeof sse.kms_key_arn === "string" && sse.kms_key_arn.length > 0);
        })
        .map(([id]) => `${id}: server_side_encryption has no customer-managed kms_key_arn`),
  },
  {
    id: "CKV_AWS_7",
    description: "KMS keys created here rotate",
    appliesTo: ALL,
    violations: (stack) =>
      Object.entries(resourcesOf(stack, "aws_kms_key"))
        .filter(([, key]) => key.enable_key_rotation !== true)
        .map(([id]) => `aws_kms_key.${id}: enable_key_rotation is not true`),
  },
  {
    id: "CKV2_AWS_16",
    description: "Provisioned tables have an autoscaling target and policy (table and every GSI, read and write)",
    appliesTo: ALL,
    violations: (stack) => {
      const targets = Object.values(resourcesOf(stack, "aws_appautoscaling_target"));
      const problems: string[] = [];
      for (const [id, table] of tables(stack).filter(([, t]) => t.billing_mode === "PROVISIONED")) {
        const resourceIds = [
          `table/\${aws_dynamodb_table.${id}.name}`,
          ...((table.global_secondary_index as Array<{ name: string }> | undefined) ?? []).map(
            (index) => `table/\${aws_dynamodb_table.${id}.name}/index/${index.name}`,
          ),
        ];
        for (const resourceId of resourceIds) {
          for (const unit of ["ReadCapacityUnits", "WriteCapacityUnits"]) {
            const found = targets.some((t) => t.resource_id === resourceId && String(t.scalable_dimension).endsWith(unit));
            if (!found) problems.push(`${id}: no ${unit} scalable target for ${resourceId}`);
          }
        }
      }
      return problems;
    },
  },
  {
    id: "OPS_SCALABLE_TARGET_HAS_POLICY",
    description: "Every scalable target has a target-tracking policy",
    appliesTo: ALL,
    violations: (stack) => {
      const policies = Object.values(resourcesOf(stack, "aws_appautoscaling_policy"));
      return Object.keys(resourcesOf(stack, "aws_appautoscaling_target"))
        .filter(
          (id) =>
            !policies.some(
              (p) => p.resource_id === `\${aws_appautoscaling_target.${id}.resource_id}` && p.policy_type === "TargetTrackingScaling",
            ),
        )
        .map((id) => `aws_appautoscaling_target.${id}: no target-tracking policy`);
    },
  },
  {
    id: "OPS_PROD_DELETION_PROTECTION",
    description: "Production tables have deletion protection and lifecycle.prevent_destroy",
    appliesTo: ["prod"],
    violations: (stack) =>
      tables(stack).flatMap(([id, t]) => [
        ...(t.deletion_protection_enabled === true ? [] : [`${id}: deletion_protection_enabled is not true`]),
        ...(t.lifecycle?.prevent_destroy === true ? [] : [`${id}: lifecycle.prevent_destroy is not true`]),
      ]),
  },
  {
    id: "OPS_TTL",
    description: "Every table has TTL enabled",
    appliesTo: ALL,
    violations: (stack) =>
      tables(stack)
        .filter(([, t]) => {
          const ttl = t.ttl as { enabled?: boolean; attribute_name?: string } | undefined;
          return !(ttl?.enabled === true && ttl.attribute_name);
        })
        .map(([id]) => `${id}: ttl is not enabled on an attribute`),
  },
  {
    id: "OPS_STATE_ENCRYPTED_LOCKED",
    description: "State is in S3, encrypted, with S3-native locking",
    appliesTo: ALL,
    violations: (stack) => {
      const s3 = stack.terraform.backend?.s3;
      if (!s3) return ["terraform.backend.s3 is missing"];
      return [
        ...(s3.encrypt === true ? [] : ["backend s3: encrypt is not true"]),
        ...(s3.use_lockfile === true ? [] : ["backend s3: use_lockfile is not true"]),
      ];
    },
  },
  {
    id: "OPS_ALLOWED_ACCOUNT_IDS",
    description: "The AWS provider is pinned to the environment's account (allowed_account_ids)",
    appliesTo: ALL,
    violations: (stack) =>
      stack.provider.aws
        .filter((p) => !Array.isArray(p.allowed_account_ids) || (p.allowed_account_ids as string[]).length !== 1)
        .map(() => "provider aws: allowed_account_ids must name exactly the environment's account"),
  },
  {
    id: "OPS_AUDIT_APPEND_ONLY",
    description: "audit_logs has a resource policy denying entry changes except to the break-glass role, and streams NEW_IMAGE",
    appliesTo: ALL,
    violations: (stack) => {
      const audit = resourcesOf(stack, "aws_dynamodb_table").audit_logs;
      const policy = resourcesOf(stack, "aws_dynamodb_resource_policy").audit_logs;
      const problems: string[] = [];
      if (audit?.stream_view_type !== "NEW_IMAGE") problems.push("audit_logs: stream_view_type is not NEW_IMAGE");
      if (!policy) return [...problems, "audit_logs: no aws_dynamodb_resource_policy"];
      const document = JSON.parse(String(policy.policy)) as { Statement: Array<Record<string, unknown>> };
      const deny = document.Statement.find((s) => s.Effect === "Deny");
      const actions = (deny?.Action as string[] | undefined) ?? [];
      for (const action of [
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:DeleteTable",
        "dynamodb:BatchWriteItem",
        "dynamodb:PartiQLUpdate",
        "dynamodb:PartiQLDelete",
      ]) {
        if (!actions.includes(action)) problems.push(`audit_logs policy: ${action} is not denied`);
      }
      if (deny?.Principal !== "*") problems.push("audit_logs policy: the deny does not apply to every principal");
      if (!(deny?.Condition as { ArnNotEquals?: Record<string, string> } | undefined)?.ArnNotEquals?.["aws:PrincipalArn"]) {
        problems.push("audit_logs policy: no break-glass exception on aws:PrincipalArn");
      }
      return problems;
    },
  },
  {
    id: "OPS_ALARMS_EVERY_TABLE_AND_GSI",
    description:
      "Every table and GSI has read and write throttle alarms, every table a system-errors alarm, and each capacity dimension a ceiling alarm (at max / at on-demand cap), all with actions",
    appliesTo: ["staging", "prod"],
    violations: (stack) => {
      const alarms = Object.values(resourcesOf(stack, "aws_cloudwatch_metric_alarm"));
      const watches = (metric: string, dimensions: Record<string, string>) =>
        alarms.some(
          (a) =>
            a.metric_name === metric &&
            JSON.stringify(a.dimensions) === JSON.stringify(dimensions) &&
            Array.isArray(a.alarm_actions) &&
            a.alarm_actions.length > 0,
        );
      const problems: string[] = [];
      for (const [id, table] of tables(stack)) {
        const name = String(table.name);
        const scopes = [
          { label: id, dimensions: { TableName: name } },
          ...((table.global_secondary_index as Array<{ name: string }> | undefined) ?? []).map((index) => ({
            label: `${id}/${index.name}`,
            dimensions: { GlobalSecondaryIndexName: index.name, TableName: name },
          })),
        ];
        const ceiling =
          table.billing_mode === "PROVISIONED" ? "Provisioned{Kind}CapacityUnits" : "{Kind}MaxOnDemandThroughputThrottleEvents";
        for (const { label, dimensions } of scopes) {
          for (const kind of ["Read", "Write"]) {
            for (const metric of [`${kind}ThrottleEvents`, ceiling.replace("{Kind}", kind)]) {
              if (!watches(metric, dimensions)) problems.push(`${label}: no ${metric} alarm with actions`);
            }
          }
        }
        const systemErrors = alarms.some((a) =>
          ((a.metric_query as Array<{ expression?: string }> | undefined) ?? []).some(
            (q) => q.expression?.includes("SUM(SystemErrors)") && q.expression.includes(`TableName = '${name}'`),
          ),
        );
        if (!systemErrors) problems.push(`${id}: no SystemErrors alarm`);
      }
      return problems;
    },
  },
  {
    id: "OPS_AUDIT_ARCHIVE_PROTECTED",
    description:
      "Archive buckets: Object Lock in COMPLIANCE mode (a landing bucket instead replicates into one), prevent_destroy, encrypted, public access blocked, TLS-only policy, lifecycle transitions",
    appliesTo: ALL,
    violations: (stack) => {
      const buckets = Object.entries(resourcesOf(stack, "aws_s3_bucket")) as Array<[string, Resource]>;
      const problems: string[] = [];
      const lockedBucket = (arn: unknown) =>
        buckets.some(([id, bucket]) => arn === `\${aws_s3_bucket.${id}.arn}` && bucket.object_lock_enabled === true);
      for (const [id, bucket] of buckets) {
        if (bucket.lifecycle?.prevent_destroy !== true) problems.push(`aws_s3_bucket.${id}: lifecycle.prevent_destroy is not true`);
        const replication = byBucket(stack, "aws_s3_bucket_replication_configuration", id)?.rule as
          Array<{ destination?: { bucket?: string } }> | undefined;
        // A landing bucket is one S3 Replication copies into a locked bucket of this stack.
        const landing = replication?.some((rule) => lockedBucket(rule.destination?.bucket)) ?? false;
        if (!landing) {
          if (bucket.object_lock_enabled !== true) problems.push(`aws_s3_bucket.${id}: object_lock_enabled is not true`);
          const lock = byBucket(stack, "aws_s3_bucket_object_lock_configuration", id)?.rule as
            { default_retention?: { mode?: string } } | undefined;
          if (lock?.default_retention?.mode !== "COMPLIANCE") problems.push(`aws_s3_bucket.${id}: default retention is not COMPLIANCE`);
          const lifecycle = byBucket(stack, "aws_s3_bucket_lifecycle_configuration", id)?.rule as
            Array<{ transition?: unknown[] }> | undefined;
          if (!lifecycle?.some((rule) => (rule.transition ?? []).length > 0)) problems.push(`aws_s3_bucket.${id}: no lifecycle transition`);
        }
        if (!byBucket(stack, "aws_s3_bucket_server_side_encryption_configuration", id)) problems.push(`aws_s3_bucket.${id}: no encryption`);
        const block = byBucket(stack, "aws_s3_bucket_public_access_block", id);
        const blocked = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every(
          (f) => block?.[f] === true,
        );
        if (!blocked) problems.push(`aws_s3_bucket.${id}: public access is not fully blocked`);
        const policy = byBucket(stack, "aws_s3_bucket_policy", id);
        const statements = policy ? (JSON.parse(String(policy.policy)) as { Statement: Array<Record<string, unknown>> }).Statement : [];
        const tlsOnly = statements.some(
          (st) =>
            st.Effect === "Deny" &&
            (st.Condition as { Bool?: Record<string, string> } | undefined)?.Bool?.["aws:SecureTransport"] === "false",
        );
        if (!tlsOnly) problems.push(`aws_s3_bucket.${id}: no policy denying non-TLS access`);
      }
      return problems;
    },
  },
  {
    id: "OPS_AUDIT_ARCHIVE_IN_PROD",
    description: "Production archives audit_logs: a Kinesis streaming destination on it delivered by Firehose to an S3 bucket",
    appliesTo: ["prod"],
    violations: (stack) => {
      const destination = Object.values(resourcesOf(stack, "aws_dynamodb_kinesis_streaming_destination")).some(
        (d) => d.table_name === "${aws_dynamodb_table.audit_logs.name}",
      );
      const delivery = Object.values(resourcesOf(stack, "aws_kinesis_firehose_delivery_stream")).some((f) =>
        String((f.extended_s3_configuration as { bucket_arn?: string } | undefined)?.bucket_arn).startsWith("${aws_s3_bucket."),
      );
      return [
        ...(destination ? [] : ["audit_logs: no Kinesis streaming destination"]),
        ...(delivery ? [] : ["audit_logs: no Firehose delivery to an S3 bucket of this stack"]),
      ];
    },
  },
];
