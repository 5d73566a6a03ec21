/**
 * The schema guard. `schema.lock.json` records, per environment and table, everything whose change
 * replaces a table, loses data, breaks consumers, is rate-limited by AWS, or that Terraform would not
 * apply as written: table name, keys, GSIs, stream, TTL attribute, table class, append-only, billing
 * mode, PITR window and KMS key. Synth fails while the code differs from the lock; `npm run schema:accept`
 * records a reviewed change, and refuses the ones that cannot be applied safely at all.
 *
 * Autoscaled tables ignore their capacity and GSIs in Terraform (config/ignored-attributes.ts), which
 * would skip a GSI added or removed there and fail a switch to PROVISIONED. Accepting such a change
 * records it as pending in the lock (`applyIndexChanges`, `applyBillingModeSwitch`); synth then lets
 * Terraform apply that table's GSIs or capacity, until `npm run schema:applied` records the deploy.
 */
import { APPEND_ONLY_DENIED_ACTIONS } from "../tables/append-only";
import * as z from "../config/zod";
import { stackName } from "../config/environment-bounds";
import type { Environment, TableSettings } from "../config/schema";
import { TABLE_DEFINITIONS, type KeyAttribute, type StreamViewType, type TableClass, type TableDefinition } from "../tables";
import { KEY_ATTRIBUTE_TYPES, STREAM_VIEW_TYPES, TABLE_CLASSES } from "../tables/dynamodb-limits";

export const SCHEMA_LOCK_FILE = "schema.lock.json";
/** Version 2 added everything after the keys and GSIs; version 1 locks are upgraded by schema:accept. */
export const SCHEMA_LOCK_VERSION = 2;

export interface IndexSchema {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute | null;
  readonly projection: string;
}

export interface TableSchema {
  readonly tableName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute | null;
  readonly globalIndexes: readonly IndexSchema[];
  readonly timeToLiveAttribute: string;
  /** Stream view type, or null for no stream. */
  readonly stream: StreamViewType | null;
  readonly tableClass: TableClass;
  readonly appendOnly: boolean;
  readonly billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
  /** A GSI added or removed on an autoscaled table, accepted and not yet recorded as applied. */
  readonly applyIndexChanges: boolean;
  /** A switch from PAY_PER_REQUEST to PROVISIONED, accepted and not yet recorded as applied. */
  readonly applyBillingModeSwitch: boolean;
}

/** The changes Terraform would skip on an autoscaled table, pending in the lock until they are applied. */
export type PendingChanges = Pick<TableSchema, "applyIndexChanges" | "applyBillingModeSwitch">;
export const NOTHING_PENDING: PendingChanges = { applyIndexChanges: false, applyBillingModeSwitch: false };

export interface EnvironmentSchema {
  /** PITR recovery window in days, or null when PITR is off. */
  readonly pointInTimeRecoveryDays: number | null;
  /** "AWS owned key", "create", the key ARN, or "remoteState:<name>/<output>". */
  readonly kmsKey: string;
  readonly tables: Record<string, TableSchema>;
}

export interface SchemaLock {
  readonly version: typeof SCHEMA_LOCK_VERSION;
  readonly environments: Record<string, EnvironmentSchema>;
}

/** A lock as read from disk: a version 1 lock lacks everything version 2 added, so those are optional. */
type TableSchemaV1 = Pick<TableSchema, "tableName" | "partitionKey" | "sortKey" | "globalIndexes">;
export type LockedTable = TableSchemaV1 & Partial<TableSchema>;
export interface LockedEnvironment extends Partial<Omit<EnvironmentSchema, "tables">> {
  readonly tables: Record<string, LockedTable>;
}
export interface LockedSchema {
  readonly version: 1 | typeof SCHEMA_LOCK_VERSION;
  readonly environments: Record<string, LockedEnvironment>;
}

/**
 * What the guard reads of a validated environment: its name, table prefix, protection and each
 * table's settings. A validated Environment is one; tests pass small ones with their own tables.
 */
export interface GuardedEnvironment {
  readonly name: Environment["name"];
  readonly tableNamePrefix: string;
  readonly protection: Pick<Environment["protection"], "pointInTimeRecovery" | "kmsKey">;
  readonly tables: Readonly<Record<string, TableSettings>>;
}

/**
 * `review`: safe once reviewed. `unsafe`: destroys data, breaks consumers or would not be applied as
 * written; follow the procedure in the message, or accept it knowingly. `refused`: `schema:accept`
 * will not record it until what the message names is done (a pending change is recorded as applied).
 */
export interface SchemaChange {
  readonly kind: "review" | "unsafe" | "refused";
  readonly message: string;
}

const REPLACEMENT_PROCEDURE =
  "this forces Terraform to replace the table (all items lost). Safe procedure: add a new table " +
  "definition, dual-write and backfill, switch readers, then remove the old table in a later change";

const AWS_OWNED_KEY = "AWS owned key";

const describeIndexes = (definition: TableDefinition["globalIndexes"]) =>
  (definition ?? []).map((index) => ({
    name: index.name,
    partitionKey: { ...index.partitionKey },
    sortKey: index.sortKey ? { ...index.sortKey } : null,
    projection:
      index.projection.type === "INCLUDE" ? `INCLUDE(${[...index.projection.nonKeyAttributes].sort().join(",")})` : index.projection.type,
  }));

function tableSchema(definition: TableDefinition, environment: GuardedEnvironment, pending: PendingChanges): TableSchema {
  const settings = environment.tables[definition.id];
  return {
    tableName: `${environment.tableNamePrefix}${definition.id}`,
    partitionKey: { ...definition.partitionKey },
    sortKey: definition.sortKey ? { ...definition.sortKey } : null,
    globalIndexes: describeIndexes(definition.globalIndexes),
    timeToLiveAttribute: definition.timeToLiveAttribute,
    stream: definition.stream ?? null,
    tableClass: definition.tableClass ?? "STANDARD",
    appendOnly: definition.appendOnly ?? false,
    billingMode: settings.capacity.mode,
    ...pending,
  };
}

function kmsKeyName(kmsKey: Environment["protection"]["kmsKey"]): string {
  if (kmsKey === undefined) return AWS_OWNED_KEY;
  if (kmsKey === "create") return "create";
  if ("arn" in kmsKey) return kmsKey.arn;
  return `remoteState:${kmsKey.remoteState}/${kmsKey.output}`;
}

/** The code's schema as the lock records it, with `pending` changes by environment and table (default: none). */
export function currentSchema(
  environments: readonly GuardedEnvironment[],
  definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
  pending: Readonly<Record<string, Readonly<Record<string, PendingChanges>>>> = {},
): SchemaLock {
  return {
    version: SCHEMA_LOCK_VERSION,
    environments: Object.fromEntries(
      environments.map((environment) => {
        const { pointInTimeRecovery, kmsKey } = environment.protection;
        const schema: EnvironmentSchema = {
          pointInTimeRecoveryDays: pointInTimeRecovery.enabled ? pointInTimeRecovery.recoveryPeriodInDays : null,
          kmsKey: kmsKeyName(kmsKey),
          tables: Object.fromEntries(
            definitions.map((definition) => [
              definition.id,
              tableSchema(definition, environment, pending[environment.name]?.[definition.id] ?? NOTHING_PENDING),
            ]),
          ),
        };
        return [environment.name, schema];
      }),
    ),
  };
}

const keyTypes = (table: TableSchemaV1) => {
  const types = new Map<string, string>();
  for (const key of [table.partitionKey, table.sortKey, ...table.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    if (key) types.set(key.name, key.type);
  }
  return types;
};
const keyName = (key: KeyAttribute | null) => key?.name ?? "(none)";
const sameIndexShape = (a: IndexSchema, b: IndexSchema) =>
  a.partitionKey.name === b.partitionKey.name && keyName(a.sortKey) === keyName(b.sortKey) && a.projection === b.projection;

interface Reporter {
  review(message: string): void;
  unsafe(message: string): void;
}

function reporter(where: string, changes: SchemaChange[]): Reporter {
  return {
    review: (message) => changes.push({ kind: "review", message: `${where}.${message}` }),
    unsafe: (message) => changes.push({ kind: "unsafe", message: `${where}.${message}` }),
  };
}

/** Keys and GSIs: the version 1 checks. Returns how many GSIs are added or removed. */
function keyAndIndexChanges(report: Reporter, locked: LockedTable, current: TableSchema, autoscaled: boolean): number {
  if (locked.tableName !== current.tableName) {
    report.unsafe(`tableName: "${locked.tableName}" -> "${current.tableName}": ${REPLACEMENT_PROCEDURE}`);
  }
  for (const field of ["partitionKey", "sortKey"] as const) {
    if (keyName(locked[field]) !== keyName(current[field])) {
      report.unsafe(`${field}: ${keyName(locked[field])} -> ${keyName(current[field])}: ${REPLACEMENT_PROCEDURE}`);
    }
  }
  const lockedTypes = keyTypes(locked);
  for (const [name, type] of keyTypes(current)) {
    const before = lockedTypes.get(name);
    if (before && before !== type) {
      report.unsafe(
        `attribute "${name}": type ${before} -> ${type}. The AWS provider silently ignores a key attribute's type change, ` +
          `so the table would keep ${before}. Safe procedure: store the value under a new attribute name with a new index (or a new table), ` +
          `backfill it, move readers, then remove the old attribute's index in a later change`,
      );
    }
  }

  const lockedIndexes = new Map(locked.globalIndexes.map((index) => [index.name, index]));
  const currentIndexes = new Map(current.globalIndexes.map((index) => [index.name, index]));
  const added = [...currentIndexes.keys()].filter((name) => !lockedIndexes.has(name));
  const removed = [...lockedIndexes.keys()].filter((name) => !currentIndexes.has(name));
  for (const [name, index] of currentIndexes) {
    const before = lockedIndexes.get(name);
    if (before && !sameIndexShape(before, index)) {
      report.unsafe(
        `globalIndexes.${name}: keys or projection changed in place; DynamoDB cannot modify an index. ` +
          `Remove it in one deploy and add the new shape under a new name in the next`,
      );
    }
  }
  if (added.length + removed.length > 1) {
    report.unsafe(
      `globalIndexes: adds [${added.join(", ")}] and removes [${removed.join(", ")}] at once; DynamoDB applies one ` +
        `index creation or deletion per table update. Split it into one change per index, deployed one after another`,
    );
  } else if (added.length + removed.length === 1) {
    const what = added.length ? `adds index "${added[0]}"` : `removes index "${removed[0]}"`;
    const dropped = removed.length ? " (its data is dropped; readers must stop using it first)" : "";
    report.review(
      `globalIndexes: ${what}${dropped}` +
        (autoscaled
          ? "; autoscaled, so recorded as pending: synth lets Terraform apply this table's GSIs (their capacity reset to the " +
            "configured min at each apply) until `npm run schema:applied`"
          : ""),
    );
  }
  return added.length + removed.length;
}

/**
 * Stream, TTL, table class, append-only, billing mode and the one-deploy flags: the version 2
 * checks. A version 1 lock has none of these recorded, so each is compared only when recorded.
 */
function tableSettingChanges(report: Reporter, locked: LockedTable, current: TableSchema, id: string): { switchToProvisioned: boolean } {
  // Stream view types cannot change in place: the provider disables the stream and enables a new one
  // (hashicorp/terraform-provider-aws internal/service/dynamodb/table.go, resourceTableUpdate ->
  // cycleStreamEnabled), which gets a new ARN. Records stay readable 24 hours after a stream is
  // disabled (DynamoDB Developer Guide, "Change data capture for DynamoDB Streams").
  if (locked.stream !== undefined && locked.stream !== current.stream) {
    if (locked.stream === null) {
      report.review(
        `stream: enabled (${current.stream}): a new stream; point its consumers at the ${id}_stream_arn output after the apply`,
      );
    } else if (current.stream === null) {
      report.unsafe(
        `stream: ${locked.stream} -> disabled: consumers stop receiving changes and the stream's records are readable for only 24 hours ` +
          `after it is disabled (for audit_logs, entries are then no longer archived before TTL deletes them). Safe procedure: ` +
          `move every consumer (see the ${id}_stream_arn output) off the stream and let them read it to the end, then disable it`,
      );
    } else {
      report.unsafe(
        `stream: ${locked.stream} -> ${current.stream}: DynamoDB cannot change a stream's view type in place; the provider disables the ` +
          `stream and enables a new one with a new ARN, so consumers of the old ARN stop receiving records and changes written between ` +
          `the two calls are in neither stream. Safe procedure: enable the new view type on a new table or a Kinesis destination first, ` +
          `or schedule a write pause, apply, repoint consumers to the new ${id}_stream_arn output and read the old stream to its end (24 hours)`,
      );
    }
  }

  // UpdateTimeToLive refuses a different attribute while TTL is enabled and allows one change per
  // hour per table (DynamoDB API Reference, UpdateTimeToLive:
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html); the
  // provider sends the new name in one call (table.go, updateTimeToLive), so the apply fails.
  if (locked.timeToLiveAttribute !== undefined && locked.timeToLiveAttribute !== current.timeToLiveAttribute) {
    report.unsafe(
      `timeToLiveAttribute: "${locked.timeToLiveAttribute}" -> "${current.timeToLiveAttribute}": items that only have ` +
        `"${locked.timeToLiveAttribute}" will never expire, and AWS refuses to move TTL to another attribute while it is enabled ` +
        `(one TTL change per table per hour; append-only tables also deny UpdateTimeToLive to the deploy role). Safe procedure: ` +
        `make writers set both attributes and backfill "${current.timeToLiveAttribute}"; with the break-glass role disable TTL ` +
        `(aws dynamodb update-time-to-live), wait one hour, then accept and apply (it enables TTL on "${current.timeToLiveAttribute}")`,
    );
  }

  // Table class updates run in their own UpdateTable call (table.go: "Table Class cannot be changed
  // concurrently with other values"); AWS limits how often a table's class may change (DynamoDB Developer
  // Guide, "Table classes": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.TableClasses.html).
  if (locked.tableClass !== undefined && locked.tableClass !== current.tableClass) {
    report.review(
      `tableClass: ${locked.tableClass} -> ${current.tableClass}: changes storage and request prices; AWS limits how often ` +
        `a table's class can be updated, so do not plan to switch back soon`,
    );
  }

  if (locked.appendOnly === true && !current.appendOnly) {
    report.unsafe(
      `appendOnly: true -> false: the resource policy that denies ${APPEND_ONLY_DENIED_ACTIONS.map((action) => action.replace("dynamodb:", "")).join(", ")} to everyone but the ` +
        `break-glass role is deleted, so entries become editable. Safe procedure: only with compliance sign-off recorded in the ` +
        `pull request; otherwise keep appendOnly`,
    );
  } else if (locked.appendOnly === false && current.appendOnly) {
    report.review(`appendOnly: false -> true: entries can no longer be updated or deleted except by the break-glass role`);
  }

  const switchToProvisioned = locked.billingMode === "PAY_PER_REQUEST" && current.billingMode === "PROVISIONED";
  if (switchToProvisioned) {
    report.review(
      "billingMode: PAY_PER_REQUEST -> PROVISIONED: recorded as pending: synth lets Terraform set this table's capacity " +
        "(the table and its GSIs start at their configured min) until `npm run schema:applied`",
    );
  } else if (locked.billingMode === "PROVISIONED" && current.billingMode === "PAY_PER_REQUEST") {
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/switching.capacitymode.html
    report.review(
      `billingMode: PROVISIONED -> PAY_PER_REQUEST: its autoscaling targets are destroyed; AWS allows at most four switches ` +
        `to on-demand per table in a 24-hour rolling window`,
    );
  }

  return { switchToProvisioned };
}

/** PITR window and KMS key: per environment, and guarded hardest in prod. */
function protectionChanges(report: Reporter, locked: LockedEnvironment, current: EnvironmentSchema, isProd: boolean): void {
  const days = (value: number | null) => (value === null ? "disabled" : `${value} days`);
  if (locked.pointInTimeRecoveryDays !== undefined && locked.pointInTimeRecoveryDays !== current.pointInTimeRecoveryDays) {
    const shorter =
      locked.pointInTimeRecoveryDays !== null &&
      (current.pointInTimeRecoveryDays === null || current.pointInTimeRecoveryDays < locked.pointInTimeRecoveryDays);
    const message = `protection.pointInTimeRecovery: ${days(locked.pointInTimeRecoveryDays)} -> ${days(current.pointInTimeRecoveryDays)}`;
    if (shorter && isProd) {
      report.unsafe(
        `${message}: restore points older than the new window are gone as soon as it applies, for every table. Safe procedure: ` +
          `take an on-demand backup of each table first (aws dynamodb create-backup) and keep it for the old window, then accept`,
      );
    } else {
      report.review(message);
    }
  }
  if (locked.kmsKey !== undefined && locked.kmsKey !== current.kmsKey) {
    const message = `protection.kmsKey: ${locked.kmsKey} -> ${current.kmsKey}`;
    if (isProd) {
      report.unsafe(
        `${message}: DynamoDB re-encrypts the tables with the new key, but backups and PITR restore points made before still need ` +
          `the old one${locked.kmsKey === "create" ? ', and dropping "create" destroys the key this stack created (scheduled deletion)' : ""}. ` +
          `Safe procedure: keep the old key enabled (never schedule its deletion) for the PITR window and as long as any backup made ` +
          `under it exists; if it is the key created here, first move it out of this stack's state (terraform state rm) so it is not deleted`,
      );
    } else {
      report.review(message);
    }
  }
}

export type PendingByEnvironment = Record<string, Record<string, PendingChanges>>;

/** The changes pending in the lock, by environment and table (only tables with one). */
export function pendingInLock(lock: LockedSchema | undefined): PendingByEnvironment {
  const pending: PendingByEnvironment = {};
  for (const [environment, locked] of Object.entries(lock?.environments ?? {})) {
    for (const [table, { applyIndexChanges = false, applyBillingModeSwitch = false }] of Object.entries(locked.tables)) {
      if (applyIndexChanges || applyBillingModeSwitch) (pending[environment] ??= {})[table] = { applyIndexChanges, applyBillingModeSwitch };
    }
  }
  return pending;
}

/** `<environment>.<table>` of every table with a change pending. */
export const pendingTables = (pending: PendingByEnvironment): string[] =>
  Object.entries(pending).flatMap(([environment, tables]) => Object.keys(tables).map((table) => `${environment}.${table}`));

/**
 * Every difference between the lock and the code, in a stable order, and what is pending once they are
 * accepted: what the lock has pending, and a GSI added or removed on an autoscaled table or a switch to
 * PROVISIONED.
 */
function compareWithLock(
  lock: LockedSchema | undefined,
  environments: readonly GuardedEnvironment[],
  definitions: readonly TableDefinition[],
): { changes: SchemaChange[]; pending: PendingByEnvironment } {
  const current = currentSchema(environments, definitions);
  const changes: SchemaChange[] = [];
  const pending = pendingInLock(lock);
  if (lock && lock.version !== SCHEMA_LOCK_VERSION) {
    changes.push({
      kind: "review",
      message:
        `${SCHEMA_LOCK_FILE} is version ${lock.version}; version ${SCHEMA_LOCK_VERSION} also records streams, TTL attributes, table ` +
        `classes, append-only, billing modes, PITR windows and KMS keys. Review them and run \`npm run schema:accept\` to upgrade it`,
    });
  }
  for (const environment of environments) {
    const locked = lock?.environments[environment.name];
    if (!locked) {
      changes.push({
        kind: "review",
        message: `${environment.name}: not recorded in ${SCHEMA_LOCK_FILE}; review its schema and run \`npm run schema:accept\``,
      });
      continue;
    }
    const currentEnvironment = current.environments[environment.name];
    protectionChanges(reporter(environment.name, changes), locked, currentEnvironment, environment.name === "prod");
    for (const [tableId, table] of Object.entries(currentEnvironment.tables)) {
      const where = `${environment.name}.${tableId}`;
      const lockedTable = locked.tables[tableId];
      if (!lockedTable) {
        changes.push({
          kind: "review",
          message: `${where}: new table, not recorded in ${SCHEMA_LOCK_FILE}; run \`npm run schema:accept\``,
        });
        continue;
      }
      const autoscaled = environment.tables[tableId].capacity.mode === "PROVISIONED";
      if (!autoscaled && (lockedTable.applyIndexChanges || lockedTable.applyBillingModeSwitch)) {
        // Only an autoscaled table ignores anything: a flag here was not written by schema:accept.
        changes.push({
          kind: "refused",
          message:
            `${where}: a change is pending in ${SCHEMA_LOCK_FILE}, but the table is on demand, where Terraform ignores nothing. ` +
            `Set its applyIndexChanges and applyBillingModeSwitch back to false in ${SCHEMA_LOCK_FILE}`,
        });
      }
      const report = reporter(where, changes);
      const indexChanges = keyAndIndexChanges(report, lockedTable, table, autoscaled);
      const { switchToProvisioned } = tableSettingChanges(report, lockedTable, table, tableId);
      if ((autoscaled && indexChanges > 0) || switchToProvisioned) {
        const was = pending[environment.name]?.[tableId] ?? NOTHING_PENDING;
        (pending[environment.name] ??= {})[tableId] = {
          applyIndexChanges: was.applyIndexChanges || (autoscaled && indexChanges > 0),
          applyBillingModeSwitch: was.applyBillingModeSwitch || switchToProvisioned,
        };
      }
    }
    for (const tableId of Object.keys(locked.tables).filter((id) => !(id in currentEnvironment.tables))) {
      changes.push({
        kind: "unsafe",
        message: `${environment.name}.${tableId}: removed from the code; the next apply destroys the table and its data (prod's prevent_destroy refuses it)`,
      });
    }
  }
  const configured = new Set<string>(environments.map((environment) => environment.name));
  for (const name of Object.keys(lock?.environments ?? {}).filter((recorded) => !configured.has(recorded))) {
    changes.push({
      kind: "unsafe",
      message:
        `${name}: in ${SCHEMA_LOCK_FILE} but no longer in config/environments.ts: its stack (${stackName({ name })}) is no longer ` +
        `synthesized, so its tables keep running with nothing managing them and its Atlantis project disappears. Safe procedure: ` +
        `restore it in config/environments.ts. To retire it, keep it configured and first take on-demand backups (or exports) of its ` +
        `tables, then turn off its protections in a reviewed change (prevent_destroy, deletion protection: prod requires both, so prod ` +
        `is not retired this way), destroy through the guarded path (terraform plan -destroy checked by npm run plan:guard, with a ` +
        `reviewed override per table), and only then remove it here`,
    });
  }
  // A pending change lets Terraform reset capacity the autoscaler set at every apply: it ends with
  // its deploy, before anything else is recorded.
  if (changes.length > 0) {
    for (const [environment, tables] of Object.entries(pendingInLock(lock))) {
      for (const [table, flags] of Object.entries(tables)) {
        const what = [flags.applyIndexChanges && "GSI change", flags.applyBillingModeSwitch && "switch to PROVISIONED"].filter(Boolean);
        changes.push({
          kind: "refused",
          message:
            `${environment}.${table}: the ${what.join(" and ")} accepted earlier is still pending in ${SCHEMA_LOCK_FILE}. Once it is ` +
            `applied in every environment run \`npm run schema:applied\`, then accept this change (if it was accepted on this ` +
            `branch and never deployed, restore ${SCHEMA_LOCK_FILE} from main and accept both changes together)`,
        });
      }
    }
  }
  return { changes, pending };
}

/** Every difference between the lock and the code, in a stable order. */
export function schemaChanges(
  lock: LockedSchema | undefined,
  environments: readonly GuardedEnvironment[],
  definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
): SchemaChange[] {
  return compareWithLock(lock, environments, definitions).changes;
}

export class SchemaLockError extends Error {
  constructor(readonly changes: readonly SchemaChange[]) {
    const refused = changes.some((change) => change.kind === "refused");
    super(
      `The table schema differs from ${SCHEMA_LOCK_FILE}:\n${changes.map((c) => `  - [${c.kind}] ${c.message}`).join("\n")}\n` +
        (refused
          ? "Changes marked [refused] cannot be recorded yet; do what their message says first."
          : "If the change is intended (for [unsafe] ones, after following their procedure), run `npm run schema:accept` and commit the lock so reviewers see it."),
    );
    this.name = "SchemaLockError";
  }
}

/** Fails synth while the code's schema differs from the accepted lock. */
export function assertSchemaMatchesLock(
  lock: LockedSchema | undefined,
  environments: readonly GuardedEnvironment[],
  definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
): void {
  const changes = schemaChanges(lock, environments, definitions);
  if (changes.length > 0) throw new SchemaLockError(changes);
}

/**
 * What `npm run schema:accept` records: the current schema with the changes it makes pending, unless a
 * change is [refused]. Returns the changes either way so the command can show them.
 */
export function acceptSchema(
  lock: LockedSchema | undefined,
  environments: readonly GuardedEnvironment[],
  definitions: readonly TableDefinition[] = TABLE_DEFINITIONS,
): { changes: SchemaChange[]; accepted?: SchemaLock } {
  const { changes, pending } = compareWithLock(lock, environments, definitions);
  if (changes.some((change) => change.kind === "refused")) return { changes };
  return { changes, accepted: currentSchema(environments, definitions, pending) };
}

/**
 * What `npm run schema:applied` records once the pending changes are deployed everywhere: the lock as
 * it is, with nothing pending (other differences from the code are left to schema:accept). `applied`
 * is absent when nothing is pending. The plan guard's `gsi-change-skipped` refuses a plan that this
 * makes skip a GSI change, should it be run before every environment has applied it.
 */
export function markPendingApplied(lock: LockedSchema | undefined): { cleared: string[]; applied?: LockedSchema } {
  const cleared = pendingTables(pendingInLock(lock));
  // Only a version 2 lock records anything pending.
  if (!lock || cleared.length === 0) return { cleared };
  const environments = Object.fromEntries(
    Object.entries(lock.environments).map(([name, environment]) => [
      name,
      {
        ...environment,
        tables: Object.fromEntries(Object.entries(environment.tables).map(([id, table]) => [id, { ...table, ...NOTHING_PENDING }])),
      },
    ]),
  );
  return { cleared, applied: { ...lock, environments } };
}

/** A lock file that cannot be used. `regenerable`: schema:accept may rewrite it from the code. */
export class SchemaLockFileError extends Error {
  constructor(
    file: string,
    problem: string,
    readonly regenerable = true,
  ) {
    super(
      `${file}: ${problem}. ` +
        (regenerable
          ? `Restore it from git (git checkout -- ${SCHEMA_LOCK_FILE}), or review the table schema and run \`npm run schema:accept\` to regenerate it`
          : "Nothing was written"),
    );
    this.name = "SchemaLockFileError";
  }
}

const keyAttribute = z.strictObject({ name: z.string().min(1), type: z.enum(KEY_ATTRIBUTE_TYPES) });
const indexSchema = z.strictObject({
  name: z.string().min(1),
  partitionKey: keyAttribute,
  sortKey: keyAttribute.nullable(),
  projection: z.string().min(1),
});
const tableSchemaV1 = z.strictObject({
  tableName: z.string().min(1),
  partitionKey: keyAttribute,
  sortKey: keyAttribute.nullable(),
  globalIndexes: z.array(indexSchema),
});
const tableSchemaV2 = tableSchemaV1.extend({
  timeToLiveAttribute: z.string().min(1),
  stream: z.enum(STREAM_VIEW_TYPES).nullable(),
  tableClass: z.enum(TABLE_CLASSES),
  appendOnly: z.boolean(),
  billingMode: z.enum(["PAY_PER_REQUEST", "PROVISIONED"]),
  applyIndexChanges: z.boolean(),
  applyBillingModeSwitch: z.boolean(),
});
const lockV1 = z.strictObject({ version: z.literal(1), environments: z.record(z.string(), z.record(z.string(), tableSchemaV1)) });
const lockV2 = z.strictObject({
  version: z.literal(SCHEMA_LOCK_VERSION),
  environments: z.record(
    z.string(),
    z.strictObject({
      pointInTimeRecoveryDays: z.number().int().positive().nullable(),
      kmsKey: z.string().min(1),
      tables: z.record(z.string(), tableSchemaV2),
    }),
  ),
});

/**
 * Parses a lock file's text. Invalid JSON, a wrong shape or an unknown version throw a
 * SchemaLockFileError naming `file`; a version 1 lock is returned as such (synth then asks to upgrade it).
 */
export function parseSchemaLock(text: string, file: string = SCHEMA_LOCK_FILE): LockedSchema {
  if (text.trim() === "") throw new SchemaLockFileError(file, "is empty");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SchemaLockFileError(file, `is not valid JSON (${(error as Error).message})`);
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === "number" && Number.isInteger(version) && version > SCHEMA_LOCK_VERSION) {
    throw new SchemaLockFileError(
      file,
      `is version ${version}, written by a newer opsdata-infra than this one (which reads versions 1-${SCHEMA_LOCK_VERSION}); ` +
        `update your checkout (git pull) instead of rewriting the lock`,
      false,
    );
  }
  const result = (version === 1 ? lockV1 : lockV2).safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
    throw new SchemaLockFileError(file, `is not a version ${version === 1 ? 1 : SCHEMA_LOCK_VERSION} schema lock${at} (${issue.message})`);
  }
  if (result.data.version === 1) {
    const environments = Object.fromEntries(Object.entries(result.data.environments).map(([name, tables]) => [name, { tables }]));
    return { version: 1, environments };
  }
  return result.data;
}
