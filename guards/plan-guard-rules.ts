/**
 * What each protected resource kind promises, and the changes that break the promise. A resource is
 * protected by its type (and, for buckets and IAM, by what it is linked to: a bucket with Object
 * Lock, a bucket Firehose delivers to, a role the delivery path assumes), never by its address, so a
 * resource added later is covered by the rule for its kind.
 *
 * State attribute names: AWS provider 6.25 schemas (hashicorp/terraform-provider-aws, e.g.
 * internal/service/dynamodb/table.go, resource_policy.go, kinesis_streaming_destination.go;
 * internal/service/kms/key.go; internal/service/s3/bucket*.go; internal/service/firehose/
 * delivery_stream.go; internal/service/kinesis/stream.go; internal/service/iam/role.go,
 * role_policy.go), the same names as the bundled @cdktf/provider-aws 21.22 bindings. Nested blocks
 * are lists in state (`point_in_time_recovery[0].enabled`).
 */
import { Instance, PlanModel, UNKNOWN, Unknown, Values, at, isObject } from "./plan-guard-model";
import { planEnvironment } from "./plan-guard-overrides";
import {
  Policy,
  Statement,
  matchesAny,
  describeStatement,
  isPublicAllow,
  normalizePolicy,
  notKept,
  policyDigest,
  digest,
} from "./plan-guard-policy";

/** A broken promise, before it is attached to an address. */
export interface Issue {
  /** Stable kebab-case code: overrides and other tools name it. */
  readonly finding: string;
  /** What exactly (an index name, `35->7`, a before/after policy digest): an override names it too. */
  readonly detail: string;
  readonly message: string;
  readonly procedure: string;
}

interface RuleContext {
  readonly instance: Instance;
  readonly model: PlanModel;
  /** The object is new (`before` is null): only rules that judge a new object's settings apply. */
  readonly created: boolean;
}

export interface KindRule {
  /** What this object is, for messages; undefined when this instance is not protected. */
  readonly role: (instance: Instance, model: PlanModel) => string | undefined;
  /** What deleting, replacing or forgetting it loses; undefined when removing it loses nothing. */
  readonly loss?: string;
  readonly procedure: string;
  /** Changes from `before` to `after` (an update, or a create when `created`). */
  readonly changed?: (before: Values, after: Values, context: RuleContext) => Issue[];
  /** The DynamoDB API actions an update/delete calls, and the table they act on (checked against its resource policy). */
  readonly dynamodbCalls?: (instance: Instance, model: PlanModel) => { table?: Instance; actions: string[] };
}

const show = (value: unknown) =>
  value instanceof Unknown || typeof value === "string" ? String(value) : value === undefined ? "(none)" : JSON.stringify(value);
const differs = (a: unknown, b: unknown) => b instanceof Unknown || JSON.stringify(a) !== JSON.stringify(b);
const wasTrue = (before: Values, after: Values, path: string) => at(before, path) === true && at(after, path) !== true;
const name = (instance: Instance, field = "name") =>
  PlanModel.states(instance)
    .map((state) => state[field])
    .find((value) => typeof value === "string") as string | undefined;
const issue = (finding: string, detail: string, message: string, procedure: string): Issue => ({ finding, detail, message, procedure });
/**
 * The issue when a plan lowers or removes the number at `path` (a retention or window):
 * "shortens <what> <from> -> <to> <unit> (<consequence>)".
 */
function shortened(
  before: Values,
  after: Values,
  path: string,
  { finding, what, unit, consequence, procedure }: { finding: string; what: string; unit: string; consequence: string; procedure: string },
): Issue[] {
  const [from, to] = [at(before, path), at(after, path)];
  if (typeof from !== "number" || (typeof to === "number" && to >= from)) return [];
  return [issue(finding, `${from}->${show(to)}`, `shortens ${what} ${from} -> ${show(to)} ${unit} (${consequence})`, procedure)];
}

// ---------------------------------------------------------------- policies, compared by meaning

const policyOf = (values: Values, path: string): Policy | "unknown" | "none" => {
  const value = at(values, path);
  if (value instanceof Unknown) return "unknown";
  if (value === undefined || value === null || value === "") return "none";
  return normalizePolicy(value);
};
const statementsOf = (policy: Policy | "unknown" | "none"): readonly Statement[] =>
  typeof policy === "object" && "statements" in policy ? policy.statements : [];
const list = (statements: readonly Statement[]) => statements.map(describeStatement).join("; ");

/**
 * Compares two documents by meaning. `guards` says which direction weakens: a deny-based policy
 * (audit table, archive bucket) must keep every Deny and grant nothing new; an allow-based one (a
 * key policy, the delivery role) must keep every Allow and deny nothing new. Unknown or unreadable
 * documents are the worst case.
 */
function comparePolicies(before: Values, after: Values, path: string, guards: "deny" | "allow", what: string): Issue[] {
  // A create with nothing in force (before null: a first apply, a new key or bucket) weakens nothing:
  // its document is often known only after apply (ARNs of resources created with it).
  if (before === null) return [];
  const [from, to] = [policyOf(before, path), policyOf(after, path)];
  if (from !== "unknown" && to !== "unknown" && JSON.stringify(from) === JSON.stringify(to)) return [];
  const detail = `${policyDigest(from === "none" ? { statements: [] } : from)}->${policyDigest(to === "none" ? { statements: [] } : to)}`;
  const procedure = `keep ${what} as it is; if it must change, get the new document reviewed by the owners and add an override naming this detail`;
  if (to === "unknown" || (typeof to === "object" && "unreadable" in to)) {
    const why = to === "unknown" ? "is known only after apply" : `cannot be read (${(to as { unreadable: string }).unreadable})`;
    return [
      issue("policy-unverifiable", detail, `${what}: the new document ${why}, so the guard cannot show it keeps its protection`, procedure),
    ];
  }
  const [old, next] = [statementsOf(from), statementsOf(to)];
  const granted = notKept(next, old, "Allow");
  const publicly = granted.some(isPublicAllow) ? " (public: everyone, no condition)" : "";
  const changes: Array<[string, readonly Statement[], string]> =
    guards === "deny"
      ? [
          ["denial-lifted", notKept(old, next, "Deny"), "stops denying"],
          ["access-granted", granted, `newly allows${publicly}`],
        ]
      : [
          ["access-removed", notKept(old, next, "Allow"), "stops allowing"],
          ["access-denied", notKept(next, old, "Deny"), "newly denies"],
          // A Deny in an allow-based policy (e.g. the key's Deny of other accounts) is a protection too.
          ["denial-lifted", notKept(old, next, "Deny"), "stops denying"],
          ["access-granted", granted, `newly allows${publicly}`],
        ];
  return changes
    .filter(([, statements]) => statements.length > 0)
    .map(([finding, statements, verb]) => issue(finding, detail, `${what} ${verb}: ${list(statements)}`, procedure));
}

// ---------------------------------------------------------------- DynamoDB tables

const sseKey = (values: Values) => {
  const enabled = at(values, "server_side_encryption[0].enabled");
  if (enabled instanceof Unknown) return UNKNOWN;
  if (enabled !== true) return "the AWS owned key";
  const key = at(values, "server_side_encryption[0].kms_key_arn");
  return key instanceof Unknown ? UNKNOWN : String(key || "the AWS managed key");
};

const indexNames = (values: Values): string[] | Unknown => {
  const indexes = at(values, "global_secondary_index");
  if (indexes instanceof Unknown) return UNKNOWN;
  return Array.isArray(indexes) ? indexes.map((index) => String(at(index, "name"))) : [];
};

/** What defines an index (provider table.go: a change to any of these re-creates it). */
const indexShape = (values: Values, indexName: string) => {
  const index = (at(values, "global_secondary_index") as unknown[]).find((i) => at(i, "name") === indexName);
  const nonKey = at(index, "non_key_attributes");
  return {
    hash_key: at(index, "hash_key"),
    range_key: at(index, "range_key") || undefined,
    key_schema: at(index, "key_schema") ?? [],
    projection_type: at(index, "projection_type"),
    non_key_attributes: Array.isArray(nonKey) ? [...nonKey].map(String).sort() : (nonKey ?? []),
  };
};

const replicaRegions = (values: Values): string[] | Unknown => {
  const replicas = at(values, "replica");
  if (replicas instanceof Unknown) return UNKNOWN;
  return Array.isArray(replicas) ? replicas.map((replica) => String(at(replica, "region_name"))) : [];
};

/** The table's own protections, for a new table compared with the tables that already exist. */
const TABLE_PROTECTIONS = [
  { id: "pitr", has: (values: Values) => at(values, "point_in_time_recovery[0].enabled") === true, what: "point-in-time recovery" },
  { id: "deletion-protection", has: (values: Values) => at(values, "deletion_protection_enabled") === true, what: "deletion protection" },
  {
    id: "customer-managed-key",
    has: (values: Values) => /^arn:/.test(String(sseKey(values))),
    what: "encryption with a customer-managed KMS key",
  },
] as const;

function tableChanges(before: Values, after: Values, { created, model, instance }: RuleContext): Issue[] {
  if (created) {
    // Held to the protections every existing table of the plan's environment already has (none on a first apply).
    const existing = model.ofType("aws_dynamodb_table").filter((table) => table !== instance && table.before !== null);
    return TABLE_PROTECTIONS.filter((p) => existing.length > 0 && existing.every((table) => p.has(table.before)) && !p.has(after)).map(
      (p) =>
        issue(
          "created-unprotected",
          p.id,
          `creates a table without ${p.what}, which every other table of this environment has`,
          "give the new table the protections of the others (config protection)",
        ),
    );
  }
  const found: Issue[] = [];
  if (wasTrue(before, after, "stream_enabled"))
    found.push(
      issue(
        "stream-disabled",
        "stream_enabled",
        "disables the stream",
        "consumers lose the change feed: keep the stream on; remove its consumers first",
      ),
    );
  else if (at(before, "stream_enabled") === true && differs(at(before, "stream_view_type"), at(after, "stream_view_type")))
    found.push(
      issue(
        "stream-view-type-changed",
        `${show(at(before, "stream_view_type"))}->${show(at(after, "stream_view_type"))}`,
        `changes the stream view type ${show(at(before, "stream_view_type"))} -> ${show(at(after, "stream_view_type"))}: the stream is re-created with a new ARN and unread records are lost`,
        "drain and switch consumers first",
      ),
    );
  if (wasTrue(before, after, "point_in_time_recovery[0].enabled"))
    found.push(
      issue(
        "pitr-disabled",
        "point_in_time_recovery",
        "disables point-in-time recovery (its restore history is dropped)",
        "keep PITR on; take an on-demand backup first if it really must go",
      ),
    );
  else if (at(before, "point_in_time_recovery[0].enabled") === true)
    found.push(
      ...shortened(before, after, "point_in_time_recovery[0].recovery_period_in_days", {
        finding: "pitr-shortened",
        what: "the PITR window",
        unit: "days",
        consequence: "older restore points are dropped",
        procedure: "take an on-demand backup covering the days being dropped first",
      }),
    );
  if (wasTrue(before, after, "deletion_protection_enabled"))
    found.push(
      issue(
        "deletion-protection-off",
        "deletion_protection_enabled",
        "turns deletion protection off",
        "turn it off only in the change that deletes the table, reviewed",
      ),
    );
  const [fromKey, toKey] = [sseKey(before), sseKey(after)];
  if (differs(fromKey, toKey))
    found.push(
      issue(
        "encryption-changed",
        `${String(fromKey)}->${String(toKey)}`,
        `moves the table from ${String(fromKey)} to ${String(toKey)}`,
        "the old key must stay enabled while DynamoDB re-encrypts and for PITR/backups: move one table per change, keep the old key",
      ),
    );
  const [fromReplicas, toReplicas] = [replicaRegions(before), replicaRegions(after)];
  if (!(fromReplicas instanceof Unknown))
    for (const region of fromReplicas.filter((r) => toReplicas instanceof Unknown || !toReplicas.includes(r)))
      found.push(
        issue(
          "replica-dropped",
          region,
          `drops the replica in ${region} (its copy of the data is deleted)`,
          "keep the replica; add the new one first",
        ),
      );
  const ttl = (values: Values) => ({ enabled: at(values, "ttl[0].enabled"), attribute: at(values, "ttl[0].attribute_name") });
  const [fromTtl, toTtl] = [ttl(before), ttl(after)];
  if (fromTtl.enabled === true && toTtl.enabled !== true)
    found.push(
      issue(
        "ttl-disabled",
        `${show(fromTtl.attribute)}->${show(toTtl.enabled)}`,
        `turns TTL off (expired items stay, and services that rely on expiry see them)`,
        "keep TTL on; change the attribute only through a new table definition",
      ),
    );
  else if (fromTtl.enabled === true && differs(fromTtl.attribute, toTtl.attribute))
    found.push(
      issue(
        "ttl-attribute-changed",
        `${show(fromTtl.attribute)}->${show(toTtl.attribute)}`,
        `moves TTL from ${show(fromTtl.attribute)} to ${show(toTtl.attribute)}: items whose ${show(toTtl.attribute)} is a past epoch are deleted, those without it never expire`,
        "keep the TTL attribute; backfill a new attribute and move TTL only with review",
      ),
    );
  const [fromIndexes, toIndexes] = [indexNames(before), indexNames(after)];
  // The provider re-creates an index whose keys or projection change (delete, then create and backfill):
  // readers see an empty or missing index meanwhile, as when it is dropped.
  if (!(fromIndexes instanceof Unknown) && !(toIndexes instanceof Unknown))
    for (const index of fromIndexes.filter((n) => toIndexes.includes(n))) {
      const [from, to] = [indexShape(before, index), indexShape(after, index)];
      if (differs(from, to))
        found.push(
          issue(
            "gsi-replaced",
            index,
            `changes the keys or projection of global secondary index ${index} (${digest(from)}->${digest(to)}): the index is deleted and rebuilt`,
            "add the new index under a new name, move readers to it (packages/opsdata-access/), then drop the old one",
          ),
        );
    }
  if (!(fromIndexes instanceof Unknown)) {
    const unknown = toIndexes instanceof Unknown;
    for (const index of fromIndexes.filter((n) => unknown || !toIndexes.includes(n)))
      found.push(
        issue(
          "gsi-dropped",
          index,
          `drops global secondary index ${index}${unknown ? " (the index list is known only after apply)" : ""}`,
          "move every reader off the index (packages/opsdata-access/) in an earlier release",
        ),
      );
  }
  return found;
}

// ---------------------------------------------------------------- KMS keys

/** What uses a key, so a message says what becomes unreadable (and a non-data key does not claim tables). */
function keyRole(key: Instance, model: PlanModel): string {
  const users = model.instances.filter(
    (other) => other !== key && other.mode === "managed" && other.type !== "aws_kms_alias" && model.refersTo(other, key),
  );
  const data = users.filter((user) => DATA_TYPES.has(user.type)).map((user) => user.address);
  const other = users.filter((user) => !DATA_TYPES.has(user.type)).map((user) => user.address);
  if (data.length > 0) return `the KMS key that encrypts ${few(data)}${other.length > 0 ? ` (also used by ${few(other)})` : ""}`;
  if (other.length > 0) return `the KMS key used by ${few(other)} (no table or archive data)`;
  return "a KMS key (nothing in this plan refers to it)";
}
const few = (addresses: readonly string[], shown = 5) =>
  addresses.length <= shown ? addresses.join(", ") : `${addresses.slice(0, shown).join(", ")} and ${addresses.length - shown} more`;
const DATA_TYPES = new Set([
  "aws_dynamodb_table",
  "aws_kinesis_stream",
  "aws_kinesis_firehose_delivery_stream",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_s3_bucket",
]);

function keyChanges(before: Values, after: Values): Issue[] {
  const found: Issue[] = [];
  if (wasTrue(before, after, "enable_key_rotation"))
    found.push(
      issue("key-rotation-disabled", "enable_key_rotation", "turns automatic key rotation off", "keep rotation on (config protection)"),
    );
  if (wasTrue(before, after, "is_enabled"))
    found.push(
      issue(
        "key-disabled",
        "is_enabled",
        "disables the key: everything encrypted under it is unreadable until re-enabled",
        "keep the key enabled; move its users to another key first",
      ),
    );
  found.push(
    ...shortened(before, after, "deletion_window_in_days", {
      finding: "deletion-window-shortened",
      what: "the deletion window",
      unit: "days",
      consequence: "less time to cancel a deletion",
      procedure: "keep the window",
    }),
  );
  return [...found, ...comparePolicies(before, after, "policy", "allow", "the key policy")];
}
const keyOfPolicy = (policy: Instance, model: PlanModel) =>
  model.ofType("aws_kms_key").find((key) => model.valueRefersTo(policy, "key_id", key));

// ---------------------------------------------------------------- S3 archive

/**
 * Days of default Object Lock retention, UNKNOWN, or undefined when none. S3's API reference
 * (DefaultRetention) does not say how long a retention year is, so a year counts as many days as
 * calendar years can have (leap days included): the comparison errs towards refusing.
 */
const retentionDays = (values: Values): number | Unknown | undefined => {
  const retention = at(values, "rule[0].default_retention[0]");
  if (retention instanceof Unknown) return UNKNOWN;
  if (!isObject(retention)) return undefined;
  const [days, years] = [retention.days, retention.years];
  if (days instanceof Unknown || years instanceof Unknown) return UNKNOWN;
  return (typeof days === "number" ? days : 0) + (typeof years === "number" ? years * 365 + Math.ceil(years / 4) : 0) || undefined;
};

const bucketOf = (instance: Instance, model: PlanModel) =>
  model.ofType("aws_s3_bucket").find((bucket) => model.valueRefersTo(instance, "bucket", bucket));
const isLocked = (bucket: Instance, model: PlanModel) =>
  PlanModel.states(bucket).some((state) => state.object_lock_enabled === true) ||
  model.ofType("aws_s3_bucket_object_lock_configuration").some((lock) => model.valueRefersTo(lock, "bucket", bucket));

/** Why a bucket is protected: it holds locked entries, receives the archive, or feeds a locked bucket. */
function bucketRole(bucket: Instance, model: PlanModel): string | undefined {
  const label = `bucket ${name(bucket, "bucket") ?? bucket.address}`;
  if (isLocked(bucket, model)) return `the Object Lock archive ${label}`;
  const firehose = model
    .ofType("aws_kinesis_firehose_delivery_stream")
    .find((stream) => model.valueRefersTo(stream, "extended_s3_configuration[0].bucket_arn", bucket));
  if (firehose) return `the ${label} that ${firehose.address} delivers the archive to`;
  const replication = model
    .ofType("aws_s3_bucket_replication_configuration")
    .find((r) => model.valueRefersTo(r, "bucket", bucket) && replicationRole(r, model));
  if (replication) return `the landing ${label} that ${replication.address} copies into the locked archive`;
  return undefined;
}

/** A bucket sub-resource is protected when its bucket is. */
const ofProtectedBucket = (what: string) => (instance: Instance, model: PlanModel) => {
  const bucket = bucketOf(instance, model);
  const role = bucket && bucketRole(bucket, model);
  return role ? `the ${what} of ${role}` : undefined;
};

/** Locked buckets a replication configuration's rules copy into (destination.bucket is the bucket ARN). */
function lockedDestinations(replication: Instance, model: PlanModel): Instance[] {
  const destinations = PlanModel.states(replication).flatMap((state) => {
    const rules = at(state, "rule");
    return rules instanceof Unknown
      ? [rules]
      : (Array.isArray(rules) ? rules : []).map((rule: unknown) => at(rule, "destination[0].bucket"));
  });
  // Rules or a destination known only after apply (a first apply: the bucket's ARN) match by reference.
  const unknown = destinations.some((destination) => destination instanceof Unknown);
  return model
    .ofType("aws_s3_bucket")
    .filter(
      (bucket) =>
        isLocked(bucket, model) &&
        (PlanModel.states(bucket).some((state) => destinations.includes(state.arn)) || (unknown && model.refersTo(replication, bucket))),
    );
}
/**
 * What a replication rule selects (provider s3/bucket_replication_configuration.go: `filter` with `prefix`, `tag`
 * or `and { prefix, tags }`, or the legacy rule-level `prefix`); UNKNOWN when not known at plan time.
 */
function replicationFilter(rule: unknown): { prefix: string; tags: string[] } | Unknown {
  const filter = at(rule, "filter[0]");
  const parts = [at(filter, "prefix"), at(filter, "and[0].prefix"), at(rule, "prefix"), at(filter, "tag"), at(filter, "and[0].tags")];
  if (filter instanceof Unknown || parts.some((part) => part instanceof Unknown)) return UNKNOWN;
  const prefix = [parts[0], parts[1], parts[2]].map((p) => (typeof p === "string" ? p : "")).find((p) => p !== "") ?? "";
  const tag = Array.isArray(parts[3]) ? parts[3].map((t) => `${String(at(t, "key"))}=${String(at(t, "value"))}`) : [];
  const tags = isObject(parts[4]) ? Object.entries(parts[4]).map(([k, v]) => `${k}=${String(v)}`) : [];
  return { prefix, tags: [...tag, ...tags].sort() };
}
const markers = (rule: unknown) => at(rule, "delete_marker_replication[0].status");
/** True when `wider` selects every object `narrower` selects: a shorter (or equal) prefix and no tag it lacks. */
function replicatesAllOf(wider: unknown, narrower: unknown): boolean {
  const [w, n] = [replicationFilter(wider), replicationFilter(narrower)];
  if (w instanceof Unknown || n instanceof Unknown) return false;
  return n.prefix.startsWith(w.prefix) && w.tags.every((tag) => n.tags.includes(tag));
}

function replicationRole(replication: Instance, model: PlanModel): string | undefined {
  const destinations = lockedDestinations(replication, model);
  return destinations.length > 0 ? `the replication into the locked ${destinations.map((d) => d.address).join(", ")}` : undefined;
}

function lifecycleChanges(_before: Values, after: Values, { instance, model }: RuleContext): Issue[] {
  const bucket = bucketOf(instance, model);
  const lock = bucket && model.ofType("aws_s3_bucket_object_lock_configuration").find((l) => model.valueRefersTo(l, "bucket", bucket));
  const retention = lock ? (retentionDays(lock.after) ?? retentionDays(lock.before)) : undefined;
  if (retention === undefined) return [];
  const rules = at(after, "rule");
  if (rules instanceof Unknown)
    return [
      issue("expires-before-retention", "rule", "the lifecycle rules are known only after apply", "make the rules known at plan time"),
    ];
  // Only current-version expiration counts: it adds a delete marker, so entries look deleted while still
  // locked. Noncurrent-version expiration cannot remove a locked version before its retention ends (S3 User
  // Guide, "Locking objects with Object Lock": lifecycle rules respect Object Lock;
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html), so it never shortens retention.
  return (Array.isArray(rules) ? rules : []).flatMap((rule) => {
    const status = at(rule, "status");
    if (status !== "Enabled" && !(status instanceof Unknown)) return [];
    const ruleId = String(at(rule, "id") ?? "?");
    // A date expires every current version on that day, whatever its age: earlier than the retention for most.
    const date = at(rule, "expiration[0].date");
    if (date instanceof Unknown || (typeof date === "string" && date !== ""))
      return [
        issue(
          "expires-before-retention",
          `${ruleId}:date ${show(date)}`,
          `rule ${ruleId} expires current versions on ${show(date)}, whatever their age: entries younger than the ${show(retention)}-day Object Lock retention look deleted (delete markers) while still locked`,
          "expire by age, no earlier than the retention (config auditArchive)",
        ),
      ];
    const days = at(rule, "expiration[0].days");
    if (days === undefined || days === null || days === 0) return [];
    if (!(days instanceof Unknown) && !(retention instanceof Unknown) && typeof days === "number" && days >= retention) return [];
    return [
      issue(
        "expires-before-retention",
        `${ruleId}:${show(days)}<${show(retention)}`,
        `rule ${ruleId} expires current versions after ${show(days)} days, before the ${show(retention)}-day Object Lock retention ends: entries look deleted (delete markers) while still locked`,
        "expire no earlier than the retention (config auditArchive)",
      ),
    ];
  });
}

// ---------------------------------------------------------------- delivery path (Firehose, IAM)

const deliveryRoleUsers = (role: Instance, model: PlanModel) =>
  [
    ...model
      .ofType("aws_kinesis_firehose_delivery_stream")
      .filter((stream) =>
        ["extended_s3_configuration[0].role_arn", "kinesis_source_configuration[0].role_arn"].some((path) =>
          model.valueRefersTo(stream, path, role),
        ),
      ),
    ...model
      .ofType("aws_s3_bucket_replication_configuration")
      .filter((r) => model.valueRefersTo(r, "role", role) && replicationRole(r, model)),
  ].map((user) => user.address);
function deliveryRole(role: Instance, model: PlanModel): string | undefined {
  const users = deliveryRoleUsers(role, model);
  return users.length > 0 ? `the role ${users.join(", ")} use(s) to deliver the archive` : undefined;
}
/**
 * A policy added to a delivery role that already exists can deny what the delivery needs (an inline Deny, or
 * AWSDenyAll attached), and an explicit Deny wins over every Allow: refused, reviewed by override. On a first apply
 * the role is new too, and nothing is in force.
 */
function addedToDeliveryRole({ instance, model }: RuleContext): Issue[] {
  const role = model.ofType("aws_iam_role").find((r) => model.valueRefersTo(instance, "role", r));
  if (!role?.before) return [];
  const what =
    instance.type === "aws_iam_role_policy" ? "an inline policy" : `the managed policy ${show(at(instance.after, "policy_arn"))}`;
  return [
    issue(
      "delivery-role-policy-added",
      instance.type === "aws_iam_role_policy" ? digest(policyOf(instance.after, "policy")) : show(at(instance.after, "policy_arn")),
      `adds ${what} to the delivery role ${role.address}: a Deny in it would stop the archive delivery`,
      "review the policy; add an override naming this detail",
    ),
  ];
}
const ofDeliveryRole = (what: string) => (instance: Instance, model: PlanModel) => {
  const role = model.ofType("aws_iam_role").find((r) => model.valueRefersTo(instance, "role", r));
  const described = role && deliveryRole(role, model);
  return described ? `the ${what} of ${described}` : undefined;
};

// ---------------------------------------------------------------- the table's resource policy

const tableByName = (tableName: unknown, model: PlanModel) => model.ofType("aws_dynamodb_table").find((table) => name(table) === tableName);
const tableByArn = (arn: unknown, model: PlanModel) =>
  model.ofType("aws_dynamodb_table").find((table) => PlanModel.states(table).some((s) => s.arn === arn));

/** The DynamoDB calls a table update makes (provider table.go: UpdateTimeToLive, UpdateContinuousBackups, TagResource, UpdateTable). */
function tableUpdateCalls(before: Values, after: Values): string[] {
  const calls = new Set<string>();
  for (const key of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
    if (!differs(before?.[key], after?.[key]) || ["tags_all", "timeouts"].includes(key)) continue;
    if (key === "ttl") calls.add("dynamodb:UpdateTimeToLive");
    else if (key === "point_in_time_recovery") calls.add("dynamodb:UpdateContinuousBackups");
    else if (key === "tags") calls.add("dynamodb:TagResource");
    else calls.add("dynamodb:UpdateTable");
  }
  return [...calls];
}

/**
 * A table resource policy created where none is in force grants what it allows: refused when it allows
 * everyone (`*`, or all but some via NotPrincipal) or a principal outside the plan's account. A document
 * known only after apply is refused only for a table that already exists (a first apply creates both).
 */
function newResourcePolicy(after: Values, model: PlanModel): Issue[] {
  const policy = policyOf(after, "policy");
  const detail = `${policyDigest({ statements: [] })}->${policyDigest(policy === "none" ? { statements: [] } : policy)}`;
  const procedure = "grant access through IAM in the account instead; a resource policy only denies (docs/guards.md)";
  if (policy === "unknown" || (typeof policy === "object" && "unreadable" in policy)) {
    const table = tableByArn(at(after, "resource_arn"), model);
    return table?.before
      ? [
          issue(
            "policy-unverifiable",
            detail,
            "a new resource policy on an existing table is known only after apply or unreadable",
            procedure,
          ),
        ]
      : [];
  }
  const accounts = new Set(planEnvironment(model).accounts);
  const foreign = (principal: string) => {
    if (principal === "*") return true;
    if (!principal.startsWith("aws:")) return principal.startsWith("?:");
    const account = /^aws:arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(principal);
    return !account || !accounts.has(account[1]);
  };
  const granted = statementsOf(policy).filter((s) => s.effect === "Allow" && (s.notPrincipals.length > 0 || s.principals.some(foreign)));
  return granted.length > 0
    ? [issue("access-granted", detail, `a new resource policy allows everyone or another account: ${list(granted)}`, procedure)]
    : [];
}

// ---------------------------------------------------------------- the rules, by type

const TABLE_LOSS = "every item is lost (PITR and backups belong to the old table)";
const TABLE_PROCEDURE =
  "add a new table definition, dual-write and backfill, switch readers, then remove the old table in a later change; or restore from PITR/backup into a new table";

export const KIND_RULES: Readonly<Record<string, KindRule>> = {
  aws_dynamodb_table: {
    role: (table) => `the DynamoDB table ${name(table) ?? table.address}`,
    loss: TABLE_LOSS,
    procedure: TABLE_PROCEDURE,
    changed: tableChanges,
    dynamodbCalls: (table) => ({
      table,
      actions: table.actions.includes("delete") ? ["dynamodb:DeleteTable"] : tableUpdateCalls(table.before, table.after),
    }),
  },
  aws_kms_key: {
    role: keyRole,
    loss: "everything encrypted under it becomes unreadable once the deletion window ends (KMS deletion cannot be undone)",
    procedure: "create the new key next to it, move each user to it (one change each, reviewed), remove the old key in a later change",
    changed: keyChanges,
  },
  // A separate key policy overwrites the key's `policy` (provider kms/key_policy.go): held to the key policy rule,
  // a new one compared with the policy of the key in force.
  aws_kms_key_policy: {
    role: (policy, model) => {
      const key = keyOfPolicy(policy, model);
      return `the key policy of ${key ? keyRole(key, model) : "a KMS key"}`;
    },
    loss: "the key's policy is reset to the default key policy (only the account root is allowed)",
    procedure: "change the key policy in place, reviewed",
    changed: (before, after, { created, instance, model }) =>
      comparePolicies(created ? (keyOfPolicy(instance, model)?.before ?? null) : before, after, "policy", "allow", "the key policy"),
  },
  aws_dynamodb_resource_policy: {
    role: (policy, model) =>
      `the resource policy of ${tableByArn(at(policy.before ?? policy.after, "resource_arn"), model)?.address ?? "a DynamoDB table"}`,
    loss: "its denials stop: what it protects (append-only entries) can be modified and deleted until it is back",
    procedure: "change the policy in place, reviewed; only the break-glass role can remove it (it denies DeleteResourcePolicy)",
    changed: (before, after, { created, model }) => {
      if (created) return newResourcePolicy(after, model);
      const moved = differs(at(before, "resource_arn"), at(after, "resource_arn"))
        ? [
            issue(
              "policy-moved",
              `${show(at(before, "resource_arn"))}->${show(at(after, "resource_arn"))}`,
              "moves the policy to another resource",
              "keep it on its table",
            ),
          ]
        : [];
      return [...moved, ...comparePolicies(before, after, "policy", "deny", "the resource policy")];
    },
    dynamodbCalls: (policy, model) => ({
      table: tableByArn(at(policy.before ?? policy.after, "resource_arn"), model),
      actions: [policy.actions.includes("delete") ? "dynamodb:DeleteResourcePolicy" : "dynamodb:PutResourcePolicy"],
    }),
  },
  aws_dynamodb_kinesis_streaming_destination: {
    role: (destination) =>
      `the Kinesis streaming destination of table ${show(at(destination.before ?? destination.after, "table_name"))} (feeds the archive)`,
    loss: "entries written while it is gone are never archived, and TTL deletes them",
    procedure: "add the new destination first (a table can stream to two), remove the old one in a later change",
    dynamodbCalls: (destination, model) => ({
      table: tableByName(at(destination.before, "table_name"), model),
      actions: [
        destination.actions.includes("delete")
          ? "dynamodb:DisableKinesisStreamingDestination"
          : "dynamodb:UpdateKinesisStreamingDestination",
      ],
    }),
  },
  aws_kinesis_stream: {
    role: (stream) => `the Kinesis stream ${name(stream) ?? stream.address}`,
    loss: "records not yet delivered are lost",
    procedure: "check the delivery lag is zero and add the replacement first, then remove the old stream",
    changed: (before, after, { created }) => {
      if (created) return [];
      const found = shortened(before, after, "retention_period", {
        finding: "retention-shortened",
        what: "the stream's retention",
        unit: "hours",
        consequence: "less time to recover a stalled delivery",
        procedure: "keep the retention",
      });
      if (at(before, "encryption_type") === "KMS" && at(after, "encryption_type") !== "KMS")
        found.push(
          issue(
            "encryption-changed",
            `KMS->${show(at(after, "encryption_type"))}`,
            "stops encrypting the stream with KMS",
            "keep KMS encryption",
          ),
        );
      else if (at(before, "encryption_type") === "KMS" && differs(at(before, "kms_key_id"), at(after, "kms_key_id")))
        found.push(
          issue(
            "encryption-changed",
            `${show(at(before, "kms_key_id"))}->${show(at(after, "kms_key_id"))}`,
            `moves the stream to another KMS key ${show(at(before, "kms_key_id"))} -> ${show(at(after, "kms_key_id"))}`,
            "keep the key; move to a new one only with review",
          ),
        );
      const MODE = "stream_mode_details[0].stream_mode";
      if (at(before, MODE) !== undefined && differs(at(before, MODE), at(after, MODE)))
        found.push(
          issue(
            "stream-mode-changed",
            `${show(at(before, MODE))}->${show(at(after, MODE))}`,
            `switches the stream from ${show(at(before, MODE))} to ${show(at(after, MODE))} capacity (${show(at(after, "shard_count"))} shards): writes beyond it are throttled and entries are not archived`,
            "keep the capacity mode; size a provisioned stream for the peak first, reviewed",
          ),
        );
      return found;
    },
  },
  aws_kinesis_firehose_delivery_stream: {
    role: (stream) => `the Firehose delivery stream ${name(stream) ?? stream.address}`,
    loss: "nothing is delivered to the archive until it is back",
    procedure: "create the new delivery stream beside it (the Kinesis stream keeps records for its retention), then remove the old one",
    changed: (before, after, { created }) =>
      created
        ? []
        : (
            [
              ["destination-changed", "extended_s3_configuration[0].bucket_arn", "delivers to another bucket"],
              ["source-changed", "kinesis_source_configuration[0].kinesis_stream_arn", "reads from another stream"],
              ["role-changed", "extended_s3_configuration[0].role_arn", "writes to the bucket with another role"],
              ["role-changed", "kinesis_source_configuration[0].role_arn", "reads the stream with another role"],
              ["destination-changed", "destination", "changes the destination type"],
              [
                "processing-changed",
                "extended_s3_configuration[0].processing_configuration",
                "changes record processing (a processor can drop records)",
              ],
            ] as const
          )
            .filter(([, path]) => differs(at(before, path), at(after, path)))
            .map(([finding, path, what]) =>
              issue(
                finding,
                finding === "processing-changed"
                  ? `${digest(at(before, path))}->${digest(at(after, path))}`
                  : `${show(at(before, path))}->${show(at(after, path))}`,
                finding === "processing-changed" ? what : `${what}: ${show(at(before, path))} -> ${show(at(after, path))}`,
                "add the new path beside the old one first",
              ),
            ),
  },
  aws_s3_bucket: {
    role: bucketRole,
    loss: "the archived entries are lost with it",
    procedure: "never replace the archive bucket: create the new one beside it and keep the old one for its whole Object Lock retention",
    changed: (before, after, { created }) => {
      if (created) return [];
      const found: Issue[] = [];
      if (at(before, "force_destroy") !== true && at(after, "force_destroy") !== false)
        found.push(
          issue(
            "force-destroy-enabled",
            "force_destroy",
            "sets force_destroy: a destroy would empty the bucket first",
            "keep force_destroy false",
          ),
        );
      if (wasTrue(before, after, "object_lock_enabled"))
        found.push(issue("object-lock-disabled", "object_lock_enabled", "turns Object Lock off", "keep Object Lock on"));
      return found;
    },
  },
  aws_s3_bucket_object_lock_configuration: {
    role: (lock, model) => ofProtectedBucket("Object Lock configuration")(lock, model) ?? "an Object Lock configuration",
    loss: "new archive objects are no longer write-once (the default retention is gone)",
    procedure: "change the retention in place (config auditArchive), never shorter or weaker, instead of removing the configuration",
    changed: (before, after, { created }) => {
      if (created) return [];
      const found: Issue[] = [];
      const [from, to] = [retentionDays(before), retentionDays(after)];
      if (at(before, "object_lock_enabled") === "Enabled" && at(after, "object_lock_enabled") !== "Enabled")
        found.push(issue("object-lock-disabled", "object_lock_enabled", "turns Object Lock off", "keep it Enabled"));
      if (from !== undefined && to === undefined)
        found.push(
          issue(
            "default-retention-removed",
            "default_retention",
            "removes the default retention: new objects are not locked",
            "keep the default retention",
          ),
        );
      else if (typeof from === "number" && (to instanceof Unknown || (typeof to === "number" && to < from)))
        found.push(
          issue(
            "retention-shortened",
            `${from}->${show(to)}`,
            `shortens the default retention ${from} -> ${show(to)} days`,
            "keep the retention",
          ),
        );
      const MODE = "rule[0].default_retention[0].mode";
      const mode = at(after, MODE);
      if (at(before, MODE) === "COMPLIANCE" && to !== undefined && mode !== "COMPLIANCE")
        found.push(
          issue(
            "lock-mode-weakened",
            `COMPLIANCE->${show(mode)}`,
            `switches the default retention from COMPLIANCE to ${show(mode)}: privileged users can shorten or remove it`,
            "keep COMPLIANCE",
          ),
        );
      return found;
    },
  },
  aws_s3_bucket_versioning: {
    role: ofProtectedBucket("versioning"),
    loss: "versioning is suspended (Object Lock needs it; overwrites lose the previous version)",
    procedure: "keep the versioning resource and its status Enabled",
    changed: (before, after, { created }) =>
      !created &&
      at(before, "versioning_configuration[0].status") === "Enabled" &&
      at(after, "versioning_configuration[0].status") !== "Enabled"
        ? [
            issue(
              "versioning-suspended",
              `Enabled->${show(at(after, "versioning_configuration[0].status"))}`,
              "suspends versioning",
              "keep it Enabled",
            ),
          ]
        : [],
  },
  aws_s3_bucket_public_access_block: {
    role: ofProtectedBucket("public access block"),
    loss: "the bucket can be made public by a policy or ACL",
    procedure: "keep the public access block with all four settings true",
    changed: (before, after, { created }) => {
      const flags = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];
      const lifted = flags.filter((flag) => (created || at(before, flag) === true) && at(after, flag) !== true);
      return lifted.length > 0
        ? [issue("public-access-unblocked", lifted.join(","), `turns off ${lifted.join(", ")}`, "keep all four true")]
        : [];
    },
  },
  aws_s3_bucket_policy: {
    role: ofProtectedBucket("bucket policy"),
    loss: "its denials stop (e.g. insecure transport, deletes) until it is back",
    procedure: "change the policy in place, reviewed",
    changed: (before, after) => comparePolicies(before, after, "policy", "deny", "the bucket policy"),
  },
  aws_s3_bucket_server_side_encryption_configuration: {
    role: ofProtectedBucket("default encryption"),
    loss: "new archive objects fall back to S3's default encryption instead of the configured key",
    procedure: "change the encryption in place, reviewed",
    changed: (before, after, { created }) => {
      const path = "rule[0].apply_server_side_encryption_by_default[0]";
      const describe = (values: Values) => {
        const value = at(values, path);
        return value instanceof Unknown
          ? "(known after apply)"
          : `${show(at(value, "sse_algorithm"))}/${show(at(value, "kms_master_key_id"))}`;
      };
      return !created && describe(before) !== describe(after)
        ? [
            issue(
              "encryption-changed",
              `${describe(before)}->${describe(after)}`,
              `changes default encryption ${describe(before)} -> ${describe(after)}`,
              "keep the key; move to a new one only with review",
            ),
          ]
        : [];
    },
  },
  aws_s3_bucket_lifecycle_configuration: {
    role: ofProtectedBucket("lifecycle"),
    // Removing lifecycle rules costs storage, loses nothing: no `loss`.
    procedure: "expire nothing before its Object Lock retention ends",
    changed: lifecycleChanges,
  },
  aws_s3_bucket_replication_configuration: {
    role: replicationRole,
    loss: "new entries stop reaching the locked archive",
    procedure: "add the new replication first, remove the old one in a later change",
    changed: (before, after, { created, instance, model }) => {
      if (created) return [];
      const inForce = model
        .ofType(instance.type)
        .find((other) => other.before !== null && (other === instance || other.before.bucket === at(after, "bucket")));
      const arns = lockedDestinations(inForce ?? instance, model).map((bucket) => at(bucket.before ?? bucket.after, "arn"));
      const rules = (values: Values) => {
        const value = at(values, "rule");
        return value instanceof Unknown ? UNKNOWN : Array.isArray(value) ? value : [];
      };
      const next = rules(after);
      return (rules(before) as unknown[])
        .filter((rule) => at(rule, "status") === "Enabled" && arns.includes(at(rule, "destination[0].bucket")))
        .flatMap((rule) => {
          const id = String(at(rule, "id") ?? "?");
          const kept =
            next instanceof Unknown
              ? []
              : next.filter((n) => at(n, "status") === "Enabled" && at(n, "destination[0].bucket") === at(rule, "destination[0].bucket"));
          if (kept.length === 0)
            return [issue("replication-stopped", id, `stops replicating rule ${id} into the locked archive`, "keep the rule Enabled")];
          const found: Issue[] = [];
          if (!kept.some((n) => replicatesAllOf(n, rule)))
            found.push(
              issue(
                "replication-narrowed",
                `${id}:${digest(replicationFilter(rule))}->${digest(kept.map(replicationFilter))}`,
                `narrows what rule ${id} replicates into the locked archive (filter ${JSON.stringify(replicationFilter(rule))} -> ${JSON.stringify(kept.map(replicationFilter))}): objects outside it are never archived`,
                "keep the filter, or widen it",
              ),
            );
          if (markers(rule) !== "Enabled" && kept.some((n) => markers(n) === "Enabled" || markers(n) instanceof Unknown))
            found.push(
              issue(
                "delete-markers-replicated",
                id,
                `replicates delete markers into the locked archive: a delete in the landing bucket makes entries look deleted there`,
                "keep delete_marker_replication Disabled",
              ),
            );
          return found;
        });
    },
  },
  aws_iam_role: {
    role: deliveryRole,
    loss: "the archive delivery stops (nothing can assume the role)",
    procedure: "keep the role; add a new role beside it and move the delivery first",
    changed: (before, after, { created }) => {
      if (created) return [];
      const [from, to] = [at(before, "permissions_boundary"), at(after, "permissions_boundary")];
      const boundary =
        typeof from === "string" && from !== "" && differs(from, to)
          ? [
              issue(
                to === "" || to === null || to === undefined ? "permissions-boundary-removed" : "permissions-boundary-changed",
                `${from}->${show(to || "(none)")}`,
                `${to ? "replaces" : "removes"} the role's permissions boundary ${from}: the role may do more than the boundary allowed`,
                "keep the boundary",
              ),
            ]
          : [];
      return [...boundary, ...comparePolicies(before, after, "assume_role_policy", "allow", "the trust policy")];
    },
  },
  aws_iam_role_policy: {
    role: ofDeliveryRole("inline policy"),
    loss: "the archive delivery loses its permissions",
    procedure: "change the policy in place, keeping every permission the delivery uses",
    changed: (before, after, context) =>
      context.created
        ? addedToDeliveryRole(context)
        : comparePolicies(before, after, "policy", "allow", "the delivery role's policy").filter(
            (found) => found.finding !== "access-granted",
          ),
  },
  aws_iam_role_policy_attachment: {
    role: ofDeliveryRole("policy attachment"),
    loss: "the archive delivery loses the attached permissions",
    procedure: "attach the replacement first, detach the old policy in a later change",
    // Every argument forces a replacement (provider iam/role_policy_attachment.go): only a create adds something.
    changed: (_before, _after, context) => (context.created ? addedToDeliveryRole(context) : []),
  },
};

/** Deny statements of the table's resource policies (in force now: `before`) that bind `action` for everyone they do not exempt. */
export function policyDenials(table: Instance, action: string, model: PlanModel): Array<{ policy: Instance; statement: Statement }> {
  const arn = at(table.before, "arn");
  if (typeof arn !== "string") return [];
  return model.ofType("aws_dynamodb_resource_policy").flatMap((policy) =>
    at(policy.before, "resource_arn") !== arn
      ? []
      : statementsOf(policyOf(policy.before, "policy"))
          .filter((s) => s.effect === "Deny" && (s.principals.includes("*") || s.notPrincipals.length > 0))
          .filter((s) => s.resources.length === 0 || matchesAny(s.resources, arn, false))
          .filter((s) => (s.actions.length > 0 ? matchesAny(s.actions, action, true) : !matchesAny(s.notActions, action, true)))
          .map((statement) => ({ policy, statement })),
  );
}

/**
 * One per resource: a second one created for the same table or bucket overwrites the one in force,
 * so a create of these is compared with the existing one as an update would be.
 */
export const SINGLETON_KEYS: Readonly<Record<string, string>> = {
  aws_dynamodb_resource_policy: "resource_arn",
  aws_s3_bucket_policy: "bucket",
  aws_s3_bucket_public_access_block: "bucket",
  aws_s3_bucket_object_lock_configuration: "bucket",
  aws_s3_bucket_versioning: "bucket",
  aws_s3_bucket_server_side_encryption_configuration: "bucket",
  aws_s3_bucket_lifecycle_configuration: "bucket",
  aws_s3_bucket_replication_configuration: "bucket",
};

/**
 * Types the guard deliberately leaves alone, with why: every type of a synthesized stack is either
 * here or in KIND_RULES (a test checks), so a new kind needs a decision, not an oversight.
 */
export const UNGUARDED_TYPES: Readonly<Record<string, string>> = {
  aws_appautoscaling_policy: "capacity only; data is unaffected",
  aws_appautoscaling_target: "capacity only; data is unaffected",
  aws_cloudwatch_metric_alarm: "monitoring; thresholds are reviewed as code",
  aws_iam_policy: "the Atlantis bootstrap's permissions boundary: applied by an administrator, never through Atlantis",
  aws_cloudwatch_log_group: "Firehose error logs: delivery errors, not archive entries",
  aws_cloudwatch_log_stream: "Firehose error logs: delivery errors, not archive entries",
  aws_dynamodb_contributor_insights: "diagnostics only",
  aws_kms_alias: "a name for a key; the key itself is guarded and referenced by ARN",
  aws_sns_topic: "alarm notifications; holds no data",
  aws_sns_topic_policy: "alarm notifications; holds no data",
  aws_s3_bucket_ownership_controls: "ACLs stay off through the public access block, which is guarded",
};
