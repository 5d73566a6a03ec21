/**
 * The plan guard: reads `terraform show -json <planfile>` output and refuses a plan that would lose
 * data or lift a protection, naming each resource address with the reason and the safe procedure.
 * Pure logic (no cdktf, no terraform): `scripts/plan-guard.ts` is its CLI, and the Atlantis plan
 * workflow and `npm run plan|apply` run it on every plan.
 *
 * Plan format: https://developer.hashicorp.com/terraform/internals/json-format (format_version
 * "1.x": minor versions only add fields, a new major version must be rejected; `resource_changes[]`
 * with `change.actions` one of ["no-op"], ["create"], ["read"], ["update"], ["delete"],
 * ["delete","create"], ["create","delete"], ["forget"]). State attribute names are the AWS
 * provider 6.25 schemas (hashicorp/terraform-provider-aws internal/service/dynamodb/table.go,
 * resource_policy.go, internal/service/kms/key.go; the same names as the bundled
 * @cdktf/provider-aws 21.22.1 bindings, generated from provider 6.25.0).
 */

/** The reviewed, committed per-address exceptions (see docs/guards.md, "Plan guard"). */
export const PLAN_GUARD_OVERRIDES_FILE = "guards/plan-guard-overrides.json";

/** A plan or overrides file that cannot be read as one: the CLI exits 2, never passes. */
export class PlanGuardInputError extends Error {}

const KNOWN_ACTIONS = new Set(["no-op", "create", "read", "update", "delete", "forget"]);

type Values = Record<string, unknown> | null;

export interface ResourceChange {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before: Values;
    readonly after: Values;
    readonly after_unknown?: Values;
  };
}

export interface TerraformPlan {
  readonly format_version: string;
  readonly resource_changes: readonly ResourceChange[];
}

export interface PlanGuardOverride {
  /** The stack (Atlantis project) the exception is for, e.g. `dynamodb-dev`. */
  readonly stack: string;
  readonly address: string;
  /** The finding's change (printed with it, e.g. `gsi-dropped`): the override waives that one only. */
  readonly change: string;
  /** Why this change is safe, for the reviewer; required. */
  readonly reason: string;
}

export interface Finding {
  readonly address: string;
  /** Which protection it lifts, e.g. `replace`, `gsi-dropped`: an override names it, so it waives nothing else. */
  readonly change: string;
  readonly actions: readonly string[];
  readonly reason: string;
  readonly procedure: string;
}

export interface PlanGuardResult {
  /** Findings without an override: the plan is refused while there is one. */
  readonly findings: readonly Finding[];
  readonly overridden: ReadonlyArray<Finding & { readonly overrideReason: string }>;
  /** Overrides that match nothing in this plan: remove them. */
  readonly warnings: readonly string[];
  readonly summary: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Parses and checks the shape of `terraform show -json` output; `file` names it in every error. */
export function parsePlan(text: string, file: string): TerraformPlan {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new PlanGuardInputError(
      `${file}: not valid JSON (${detail}); the file may be truncated. Write it with: terraform show -json <planfile> > ${file}`,
    );
  }
  if (!isObject(document))
    throw new PlanGuardInputError(
      `${file}: expected a JSON object from terraform show -json, got ${Array.isArray(document) ? "an array" : typeof document}`,
    );
  const version = document.format_version;
  if (typeof version !== "string" || !/^1\.\d+$/.test(version)) {
    throw new PlanGuardInputError(
      `${file}: format_version ${JSON.stringify(version)} is not a Terraform JSON plan this guard reads (1.x); write it with: terraform show -json <planfile>`,
    );
  }
  if (!isObject(document.planned_values)) {
    throw new PlanGuardInputError(
      `${file}: has no planned_values, so it is not a plan (a state file?); give it terraform show -json <planfile>`,
    );
  }
  if (document.errored === true) throw new PlanGuardInputError(`${file}: terraform reports this plan errored; fix the plan errors first`);
  const changes = document.resource_changes ?? [];
  if (!Array.isArray(changes)) throw new PlanGuardInputError(`${file}: resource_changes must be an array`);
  changes.forEach((change: unknown, index) => {
    const where = `${file}: resource_changes[${index}]`;
    if (!isObject(change) || typeof change.address !== "string" || typeof change.type !== "string" || !isObject(change.change)) {
      throw new PlanGuardInputError(`${where}: needs address, type and change`);
    }
    const actions = change.change.actions;
    if (!Array.isArray(actions) || actions.length === 0 || !actions.every((action) => KNOWN_ACTIONS.has(String(action)))) {
      throw new PlanGuardInputError(
        `${where} (${change.address}): change.actions ${JSON.stringify(actions)} is not a Terraform action list`,
      );
    }
  });
  return { format_version: version, resource_changes: changes as ResourceChange[] };
}

/** Parses the overrides file: a JSON array of { stack, address, change, reason }. */
export function parseOverrides(text: string, file: string): PlanGuardOverride[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PlanGuardInputError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(document))
    throw new PlanGuardInputError(`${file}: must be a JSON array of { "stack", "address", "change", "reason" } ([] for none)`);
  return document.map((entry: unknown, index) => {
    const fields = ["stack", "address", "change", "reason"] as const;
    const missing = fields.filter((field) => !isObject(entry) || typeof entry[field] !== "string" || String(entry[field]).trim() === "");
    if (!isObject(entry) || missing.length > 0) {
      throw new PlanGuardInputError(
        `${file}: entry ${index} needs a non-empty ${missing.join(", ")} (the reason is what reviewers approve)`,
      );
    }
    const extra = Object.keys(entry).filter((key) => !(fields as readonly string[]).includes(key));
    if (extra.length > 0)
      throw new PlanGuardInputError(
        `${file}: entry ${index} has unknown field(s) ${extra.join(", ")}; only stack, address, change, reason`,
      );
    return { stack: String(entry.stack), address: String(entry.address), change: String(entry.change), reason: String(entry.reason) };
  });
}

/** `a.b[0].c` of a state object (lists of one block are how the provider stores nested blocks). */
function at(values: Values | undefined, path: string): unknown {
  let current: unknown = values ?? undefined;
  for (const part of path.split(".")) {
    const match = /^(\w+)(?:\[(\d+)\])?$/.exec(part);
    if (!match || !isObject(current)) return undefined;
    current = current[match[1]];
    if (match[2] !== undefined) current = Array.isArray(current) ? current[Number(match[2])] : undefined;
  }
  return current;
}

/** The value after apply, or "(known after apply)" when terraform marks it unknown. */
function after(change: ResourceChange["change"], path: string): unknown {
  return at(change.after_unknown, path) === true ? UNKNOWN : at(change.after, path);
}
const UNKNOWN = "(known after apply)";

const REPLACE_TABLE =
  "every item is lost (PITR and backups belong to the old table). Safe procedure: add a new table definition, dual-write and " +
  "backfill, switch readers, then remove the old table in a later change; or restore from PITR/backup into a new table";

/** Destroying any of these loses data or lifts a protection, whatever the reason for the replacement. */
const DESTROY_RULES: Record<string, { reason: string; procedure: string }> = {
  aws_dynamodb_table: { reason: "deletes the DynamoDB table", procedure: REPLACE_TABLE },
  aws_kms_key: {
    reason: "schedules deletion of the KMS key that encrypts the tables, their PITR history and backups (unreadable once deleted)",
    procedure:
      "never replace the key in place: create the new key next to it, move each table to it (one change per table, each " +
      "reviewed), then remove the old key in a later change once nothing uses it",
  },
  // The audit archive (stacks/audit-archive.ts): the compliance copy of audit_logs that outlives TTL.
  aws_s3_bucket: {
    reason: "deletes the audit archive bucket (the compliance copy of every audit entry)",
    procedure:
      "never replace the archive bucket: create the new bucket beside it, point delivery at it, and keep the old one for its " +
      "whole Object Lock retention (compliance mode cannot be shortened)",
  },
  aws_s3_bucket_object_lock_configuration: {
    reason: "removes the archive's default Object Lock retention: new archive objects are no longer write-once",
    procedure: "change the retention in place (config auditArchive) instead of removing the configuration",
  },
  aws_dynamodb_kinesis_streaming_destination: {
    reason: "stops streaming audit_logs to the archive: entries written until it is back are never archived and TTL deletes them",
    procedure:
      "keep the destination; if the path must change, add the new one first (a table can stream to two destinations), then " +
      "remove the old one in a later change",
  },
  aws_kinesis_stream: {
    reason: "deletes the archive's Kinesis stream with the records Firehose has not delivered yet",
    procedure: "check the archive's delivery lag alarm is at zero and add the replacement first, then remove the old stream",
  },
  aws_kinesis_firehose_delivery_stream: {
    reason: "deletes the archive's Firehose stream: nothing is delivered to the bucket until it is back",
    procedure:
      "create the new delivery stream beside it (the Kinesis stream keeps records for its retention period), then remove the old one",
  },
  aws_dynamodb_resource_policy: {
    reason: "removes the append-only resource policy: entries can be modified and deleted until it is back",
    procedure:
      "change the policy in place instead of replacing it; if it must go, apply with the break-glass role (the policy denies " +
      "DeleteResourcePolicy/PutResourcePolicy to everyone else) and record why",
  },
};

interface TableRule {
  /** The finding's `change`, named in overrides. */
  readonly id: string;
  readonly check: (change: ResourceChange["change"], context: TableContext) => string | undefined;
  readonly procedure: string;
}

interface TableContext {
  /** Actions the table's own resource policy (in this plan) denies, e.g. dynamodb:UpdateTimeToLive. */
  readonly deniedByPolicy: ReadonlySet<string>;
}

const sseKey = (values: Values | undefined) =>
  at(values, "server_side_encryption[0].enabled") === true
    ? String(at(values, "server_side_encryption[0].kms_key_arn") || "the AWS managed key")
    : "the AWS owned key";

const indexNames = (values: Values | undefined) => {
  const indexes = at(values, "global_secondary_index");
  return Array.isArray(indexes) ? indexes.map((index) => String(at(index as Values, "name"))) : [];
};

/** In-place table updates that lose data or lift a protection. */
const TABLE_UPDATE_RULES: readonly TableRule[] = [
  {
    id: "stream-disabled",
    check: (change) =>
      at(change.before, "stream_enabled") === true && after(change, "stream_enabled") !== true ? "disables the stream" : undefined,
    procedure: "consumers lose the change feed: keep the stream on; if it must go, remove its consumers first and apply with an override",
  },
  {
    id: "stream-view-type",
    check: (change) => {
      const [from, to] = [at(change.before, "stream_view_type"), after(change, "stream_view_type")];
      return at(change.before, "stream_enabled") === true && after(change, "stream_enabled") === true && from !== to
        ? `changes the stream view type ${String(from)} -> ${String(to)}`
        : undefined;
    },
    procedure:
      "the stream is disabled and re-created with a new ARN (records not yet read are lost, consumers must move): drain and " +
      "switch consumers first, then apply with an override",
  },
  {
    id: "pitr-disabled",
    check: (change) =>
      at(change.before, "point_in_time_recovery[0].enabled") === true && after(change, "point_in_time_recovery[0].enabled") !== true
        ? "disables point-in-time recovery (its restore history is dropped)"
        : undefined,
    procedure: "keep PITR on (config protection.pointInTimeRecovery); take an on-demand backup first if it really must go",
  },
  {
    id: "pitr-shortened",
    check: (change) => {
      const [from, to] = [
        at(change.before, "point_in_time_recovery[0].recovery_period_in_days"),
        after(change, "point_in_time_recovery[0].recovery_period_in_days"),
      ];
      return at(change.before, "point_in_time_recovery[0].enabled") === true &&
        after(change, "point_in_time_recovery[0].enabled") === true &&
        typeof from === "number" &&
        (typeof to !== "number" || to < from)
        ? `shortens the PITR window ${from} -> ${String(to)} days (older restore points are dropped)`
        : undefined;
    },
    procedure: "keep the window; take an on-demand backup covering the days being dropped before shortening it",
  },
  {
    id: "deletion-protection-off",
    check: (change) =>
      at(change.before, "deletion_protection_enabled") === true && after(change, "deletion_protection_enabled") !== true
        ? "turns deletion protection off"
        : undefined,
    procedure:
      "deletion protection stays on in prod (config protection.deletionProtection); turn it off only in the change that deletes the table",
  },
  {
    id: "kms-key-changed",
    check: (change) => {
      const unknown = ["server_side_encryption", "server_side_encryption[0].kms_key_arn"].some(
        (path) => at(change.after_unknown, path) === true,
      );
      const to = unknown ? UNKNOWN : sseKey(change.after);
      const from = sseKey(change.before);
      return from !== to ? `moves the table from ${from} to ${to}` : undefined;
    },
    procedure:
      "re-encrypting under another key is online but the old key must stay enabled until DynamoDB finishes, and PITR/backups " +
      "keep needing the old key: move one table per change, keep the old key, then apply with an override",
  },
  {
    id: "gsi-dropped",
    check: (change) => {
      const dropped = indexNames(change.before).filter((name) => !indexNames(change.after).includes(name));
      return dropped.length > 0 && at(change.after_unknown, "global_secondary_index") !== true
        ? `drops global secondary index ${dropped.join(", ")}`
        : undefined;
    },
    procedure:
      "queries on the index fail once it is gone: move every reader off the index (access-patterns/) in an earlier release, then apply with an override",
  },
  {
    id: "ttl-denied-by-policy",
    check: (change, { deniedByPolicy }) => {
      const describe = (values: Values | undefined) =>
        `${String(at(values, "ttl[0].attribute_name"))}/${at(values, "ttl[0].enabled") === true ? "on" : "off"}`;
      return deniedByPolicy.has("dynamodb:UpdateTimeToLive") && describe(change.before) !== describe(change.after)
        ? `changes TTL ${describe(change.before)} -> ${describe(change.after)}, which the table's append-only policy denies (UpdateTimeToLive): the apply would fail with AccessDenied`
        : undefined;
    },
    procedure:
      "a TTL change deletes audit entries early or keeps them forever, so only the break-glass role may make it: get the change " +
      "approved, add an override, and apply with the break-glass role (docs/tables.md, 'audit_logs immutability')",
  },
];

/** Actions denied by a resource policy document (a JSON string in state). */
function deniedActions(policy: unknown): string[] {
  if (typeof policy !== "string") return [];
  try {
    const document = JSON.parse(policy) as { Statement?: unknown };
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    return statements
      .filter((statement) => isObject(statement) && statement.Effect === "Deny")
      .flatMap((statement) => [statement.Action].flat().map(String));
  } catch {
    return [];
  }
}

/** The protection findings for one resource change, before overrides. */
function findingsFor(resource: ResourceChange, policies: readonly ResourceChange[]): Finding[] {
  const { change } = resource;
  const finding = (id: string, reason: string, procedure: string): Finding => ({
    address: resource.address,
    change: id,
    actions: change.actions,
    reason,
    procedure,
  });
  if (resource.mode !== "managed") return [];
  const destroy = DESTROY_RULES[resource.type];
  if (destroy && change.actions.includes("delete")) {
    const how = change.actions.length > 1 ? `replaces it (${change.actions.join(" then ")}): ${destroy.reason}` : destroy.reason;
    return [finding(change.actions.length > 1 ? "replace" : "delete", how, destroy.procedure)];
  }
  if (!change.actions.includes("update")) return [];
  if (resource.type === "aws_dynamodb_table") {
    const arn = at(change.before, "arn");
    const deniedByPolicy = new Set(
      policies
        .filter((policy) => arn !== undefined && at(policy.change.before, "resource_arn") === arn)
        .flatMap((policy) => deniedActions(at(policy.change.before, "policy"))),
    );
    return TABLE_UPDATE_RULES.flatMap((rule) => {
      const reason = rule.check(change, { deniedByPolicy });
      return reason ? [finding(rule.id, reason, rule.procedure)] : [];
    });
  }
  if (resource.type === "aws_kms_key" && at(change.before, "is_enabled") === true && after(change, "is_enabled") !== true) {
    return [
      finding(
        "key-disabled",
        "disables the KMS key: every table encrypted with it becomes unreadable",
        "keep the key enabled; move the tables to another key first (one change per table)",
      ),
    ];
  }
  if (resource.type === "aws_dynamodb_resource_policy") {
    const kept = new Set(deniedActions(after(change, "policy")));
    const lifted = deniedActions(at(change.before, "policy")).filter((action) => !kept.has(action));
    return lifted.length > 0
      ? [
          finding(
            "denial-lifted",
            `stops denying ${lifted.join(", ")}`,
            "the append-only policy only grows: lifting a denial needs the break-glass role and a recorded reason",
          ),
        ]
      : [];
  }
  return [];
}

function summarize(plan: TerraformPlan): string {
  const count = (predicate: (actions: readonly string[]) => boolean) =>
    plan.resource_changes.filter((resource) => resource.mode === "managed" && predicate(resource.change.actions)).length;
  const parts = [
    `${count((a) => a.length === 1 && a[0] === "create")} to create`,
    `${count((a) => a.includes("update"))} to update`,
    `${count((a) => a.length === 2)} to replace`,
    `${count((a) => a.length === 1 && a[0] === "delete")} to delete`,
    `${count((a) => a[0] === "no-op")} unchanged`,
  ];
  return parts.join(", ");
}

export interface GuardOptions {
  /** The stack the plan is for; overrides apply only to their own stack. @default none: no override applies */
  readonly stack?: string;
  readonly overrides?: readonly PlanGuardOverride[];
}

/** Checks a parsed plan; pure. */
export function guardPlan(plan: TerraformPlan, options: GuardOptions = {}): PlanGuardResult {
  const policies = plan.resource_changes.filter((resource) => resource.type === "aws_dynamodb_resource_policy");
  const all = plan.resource_changes.flatMap((resource) => findingsFor(resource, policies));
  const overrides = (options.overrides ?? []).filter((override) => override.stack === options.stack);
  const reasonFor = (found: Finding) =>
    overrides.find((override) => override.address === found.address && override.change === found.change)?.reason;
  const addresses = new Set(plan.resource_changes.map((resource) => resource.address));
  const warnings = overrides.flatMap((override) => {
    if (!addresses.has(override.address))
      return [`override for ${override.address} (${override.stack}): not in this plan; remove it from ${PLAN_GUARD_OVERRIDES_FILE}`];
    if (!all.some((found) => found.address === override.address && found.change === override.change))
      return [
        `override for ${override.address} ${override.change} (${override.stack}): nothing to override in this plan; remove it from ${PLAN_GUARD_OVERRIDES_FILE}`,
      ];
    return [];
  });
  return {
    findings: all.filter((found) => reasonFor(found) === undefined),
    overridden: all.flatMap((found) => {
      const overrideReason = reasonFor(found);
      return overrideReason === undefined ? [] : [{ ...found, overrideReason }];
    }),
    warnings,
    summary: summarize(plan),
  };
}

/** The report people read (on the pull request in Atlantis), and the exit code: 0 pass, 1 refused. */
export function formatGuardResult(result: PlanGuardResult, file: string): { text: string; exitCode: 0 | 1 } {
  const lines = result.warnings.map((warning) => `WARNING: ${warning}`);
  for (const found of result.overridden) {
    lines.push(`overridden: ${found.address} ${found.change}: ${found.reason} (reviewed reason: ${found.overrideReason})`);
  }
  if (result.findings.length === 0) {
    lines.push(`plan guard: OK (${file}: ${result.summary})`);
    return { text: lines.join("\n"), exitCode: 0 };
  }
  lines.push(`plan guard: REFUSED (${file}: ${result.summary}). ${result.findings.length} change(s) would lose data or lift a protection:`);
  for (const found of result.findings) {
    lines.push(
      `- ${found.address} [${found.actions.join(",")}] change ${found.change}: ${found.reason}`,
      `    safe procedure: ${found.procedure}`,
    );
  }
  lines.push(
    `If a change is intended and reviewed, add { "stack", "address", "change", "reason" } to ${PLAN_GUARD_OVERRIDES_FILE} in the pull request.`,
  );
  return { text: lines.join("\n"), exitCode: 1 };
}
