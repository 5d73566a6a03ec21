/**
 * The schema guard covers every change that is destructive, irreversible, rate-limited by AWS or
 * that Terraform would skip: one table-driven case per kind of change, then the changes pending until
 * `npm run schema:applied` (and, as synthesized, on the shipped stacks), and the lock file itself. The guard is tested on its own
 * small tables and environments (helpers/schema-guard-world.ts), never on the shipped ones.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVIRONMENTS } from "../../config/environments";
import type { EnvironmentInput } from "../../config/schema";
import { validateEnvironments } from "../../config/validate";
import {
  SchemaLockFileError,
  acceptSchema,
  assertSchemaMatchesLock,
  currentSchema,
  markPendingApplied,
  parseSchemaLock,
  pendingInLock,
  schemaChanges,
  type LockedSchema,
} from "../../guards/schema-lock";
import { readSchemaLock, synthesizeStacks } from "../../stacks/app";
import { TABLE_DEFINITIONS, type TableDefinition } from "../../tables";
import {
  DEFINITIONS,
  autoscaled,
  extraIndex,
  listOf,
  smallEnvironments,
  withTable,
  type SmallEnvironments,
} from "../helpers/schema-guard-world";

const lock = currentSchema(listOf(smallEnvironments()), DEFINITIONS);
const everyEnvironment = (kind: string, where: string) => ["dev", "staging", "prod"].map((env) => `[${kind}] ${env}.${where}`);

interface Case {
  readonly definitions?: readonly TableDefinition[];
  readonly config?: (environments: SmallEnvironments) => void;
  /** `[kind] <where>.<field>` of every change, in order. */
  readonly changes: string[];
  /** The key part every change's message must contain. */
  readonly says: RegExp;
}

/** GIVEN the accepted lock and code with one change, WHEN compared, THEN exactly these changes, each saying why and what to do. */
const CASES: Record<string, Case> = {
  "changing ledger's stream view type": {
    definitions: withTable("ledger", (t) => ({ ...t, stream: "NEW_AND_OLD_IMAGES" })),
    changes: everyEnvironment("unsafe", "ledger.stream"),
    says: /NEW_IMAGE -> NEW_AND_OLD_IMAGES: DynamoDB cannot change a stream's view type in place; .*new ARN.*Safe procedure/,
  },
  "disabling ledger's stream": {
    definitions: withTable("ledger", (t) => ({ ...t, stream: undefined })),
    changes: everyEnvironment("unsafe", "ledger.stream"),
    says: /NEW_IMAGE -> disabled: consumers stop receiving changes and the stream's records are readable for only 24 hours.*Safe procedure: move every consumer \(see the ledger_stream_arn output\)/,
  },
  "enabling a stream on orders": {
    definitions: withTable("orders", (t) => ({ ...t, stream: "KEYS_ONLY" })),
    changes: everyEnvironment("review", "orders.stream"),
    says: /enabled \(KEYS_ONLY\): a new stream; point its consumers at the orders_stream_arn output after the apply/,
  },
  "renaming ledger's TTL attribute": {
    definitions: withTable("ledger", (t) => ({ ...t, timeToLiveAttribute: "delete_after" })),
    changes: everyEnvironment("unsafe", "ledger.timeToLiveAttribute"),
    says: /"expires_at" -> "delete_after": items that only have "expires_at" will never expire.*one TTL change per table per hour.*deny UpdateTimeToLive to the deploy role.*with the break-glass role disable TTL/,
  },
  "changing orders's table class": {
    definitions: withTable("orders", (t) => ({ ...t, tableClass: "STANDARD_INFREQUENT_ACCESS" })),
    changes: everyEnvironment("review", "orders.tableClass"),
    says: /STANDARD -> STANDARD_INFREQUENT_ACCESS: changes storage and request prices; AWS limits how often/,
  },
  "removing appendOnly from ledger": {
    definitions: withTable("ledger", (t) => ({ ...t, appendOnly: undefined })),
    changes: everyEnvironment("unsafe", "ledger.appendOnly"),
    says: /true -> false: the resource policy that denies UpdateItem, DeleteItem, BatchWriteItem, PartiQLUpdate, PartiQLDelete, DeleteTable, UpdateTimeToLive, UpdateContinuousBackups, DisableKinesisStreamingDestination, UpdateKinesisStreamingDestination, PutResourcePolicy, DeleteResourcePolicy to everyone but the break-glass role is deleted, so entries become editable/,
  },
  "making orders append-only": {
    definitions: withTable("orders", (t) => ({ ...t, appendOnly: true })),
    changes: everyEnvironment("review", "orders.appendOnly"),
    says: /false -> true: entries can no longer be updated or deleted except by the break-glass role/,
  },
  "switching staging's orders to on-demand": {
    config: (e) => {
      e.staging.tables.orders.capacity = { mode: "PAY_PER_REQUEST", maxReadRequestUnits: 100, maxWriteRequestUnits: 20, indexes: {} };
    },
    changes: ["[review] staging.orders.billingMode"],
    says: /PROVISIONED -> PAY_PER_REQUEST: its autoscaling targets are destroyed; AWS allows at most four switches to on-demand per table in a 24-hour rolling window/,
  },
  "switching dev's orders to provisioned": {
    config: (e) => {
      e.dev.tables.orders = autoscaled();
    },
    changes: ["[review] dev.orders.billingMode"],
    says: /^dev\.orders\.billingMode: PAY_PER_REQUEST -> PROVISIONED: recorded as pending: synth lets Terraform set this table's capacity \(the table and its GSIs start at their configured min\) until `npm run schema:applied`$/,
  },
  "shortening prod's PITR window": {
    config: (e) => {
      e.prod.protection.pointInTimeRecovery = { enabled: true, recoveryPeriodInDays: 7 };
    },
    changes: ["[unsafe] prod.protection.pointInTimeRecovery"],
    says: /35 days -> 7 days: restore points older than the new window are gone .*Safe procedure: take an on-demand backup of each table first/,
  },
  "shortening staging's PITR window": {
    config: (e) => {
      e.staging.protection.pointInTimeRecovery = { enabled: true, recoveryPeriodInDays: 1 };
    },
    changes: ["[review] staging.protection.pointInTimeRecovery"],
    says: /7 days -> 1 days$/,
  },
  "enabling PITR in dev": {
    config: (e) => {
      e.dev.protection.pointInTimeRecovery = { enabled: true, recoveryPeriodInDays: 3 };
    },
    changes: ["[review] dev.protection.pointInTimeRecovery"],
    says: /disabled -> 3 days$/,
  },
  "moving prod to another KMS key": {
    config: (e) => {
      e.prod.protection.kmsKey = { arn: "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab" };
    },
    changes: ["[unsafe] prod.protection.kmsKey"],
    says: /create -> arn:aws:kms:eu-west-1:333333333333:key\/1234abcd-12ab-34cd-56ef-1234567890ab: .*still need the old one, and dropping "create" destroys the key this stack created.*Safe procedure: keep the old key enabled/,
  },
  "encrypting dev with a created key": {
    config: (e) => {
      e.dev.protection.kmsKey = "create";
    },
    changes: ["[review] dev.protection.kmsKey"],
    says: /AWS owned key -> create$/,
  },
  "dropping staging from the config": {
    config: (e) => {
      delete (e as Partial<SmallEnvironments>).staging;
    },
    changes: ["[unsafe] staging"],
    says: /in schema\.lock\.json but no longer in config\/environments\.ts: its stack \(dynamodb-staging\) is no longer synthesized.*restore it in config\/environments\.ts\. To retire it, keep it configured and first take on-demand backups/,
  },
};

describe("schema guard: what each change does", () => {
  test.each(Object.entries(CASES))("%s", (_name, { definitions = DEFINITIONS, config, changes, says }) => {
    const environments = smallEnvironments();
    config?.(environments);
    const found = schemaChanges(lock, listOf(environments), definitions);
    expect(found.map((change) => `[${change.kind}] ${change.message.split(": ")[0]}`)).toEqual(changes);
    for (const change of found) expect(change.message).toMatch(says);
    // Synth fails on every one of them.
    expect(() => assertSchemaMatchesLock(lock, listOf(environments), definitions)).toThrow(
      "The table schema differs from schema.lock.json",
    );
  });

  test("schema:accept records an [unsafe] change after which synth passes", () => {
    const environments = smallEnvironments();
    environments.prod.protection.pointInTimeRecovery = { enabled: true, recoveryPeriodInDays: 7 };
    const { accepted } = acceptSchema(lock, listOf(environments), DEFINITIONS);
    expect(accepted!.environments.prod.pointInTimeRecoveryDays).toBe(7);
    expect(() => assertSchemaMatchesLock(accepted, listOf(environments), DEFINITIONS)).not.toThrow();
  });

  test("schema:accept records a removed environment, reported as [unsafe], not silently", () => {
    const { dev, prod } = smallEnvironments();
    const { changes, accepted } = acceptSchema(lock, listOf({ dev, prod }), DEFINITIONS);
    expect(changes.map((change) => change.kind)).toEqual(["unsafe"]);
    expect(Object.keys(accepted!.environments)).toEqual(["dev", "prod"]);
  });
});

describe("schema guard: changes pending until schema:applied", () => {
  const withIndex = withTable("orders", (t) => ({ ...t, globalIndexes: [...t.globalIndexes!, extraIndex()] }));
  const nothingPending = { applyIndexChanges: false, applyBillingModeSwitch: false };
  const indexPending = { applyIndexChanges: true, applyBillingModeSwitch: false };

  test("a GSI added where the table is autoscaled is accepted as pending there; synth passes; schema:applied ends it", () => {
    // GIVEN an index added to orders: on demand in dev, autoscaled in staging and prod
    const environments = listOf(smallEnvironments());
    // WHEN accepted
    const { changes, accepted } = acceptSchema(lock, environments, withIndex);
    // THEN it is a change to review, pending where Terraform would otherwise skip it
    expect(changes).toEqual([
      { kind: "review", message: 'dev.orders.globalIndexes: adds index "owner-index"' },
      ...["staging", "prod"].map((name) => ({
        kind: "review",
        message:
          `${name}.orders.globalIndexes: adds index "owner-index"; autoscaled, so recorded as pending: synth lets Terraform apply ` +
          "this table's GSIs (their capacity reset to the configured min at each apply) until `npm run schema:applied`",
      })),
    ]);
    expect(pendingInLock(accepted)).toEqual({ staging: { orders: indexPending }, prod: { orders: indexPending } });
    expect(schemaChanges(accepted, environments, withIndex)).toEqual([]);

    // WHEN the deploy is recorded THEN nothing is pending and the code still matches the lock
    const { cleared, applied } = markPendingApplied(accepted);
    expect(cleared).toEqual(["staging.orders", "prod.orders"]);
    expect(pendingInLock(applied)).toEqual({});
    expect(applied!.environments.prod.tables.orders).toEqual({ ...accepted!.environments.prod.tables.orders, ...nothingPending });
    expect(schemaChanges(applied, environments, withIndex)).toEqual([]);
  });

  test("a switch to PROVISIONED is accepted as pending", () => {
    const environments = smallEnvironments();
    environments.dev.tables.orders = autoscaled();
    const { accepted } = acceptSchema(lock, listOf(environments), DEFINITIONS);
    expect(pendingInLock(accepted)).toEqual({ dev: { orders: { applyIndexChanges: false, applyBillingModeSwitch: true } } });
  });

  test("while a change is pending, any other change is refused until schema:applied, which then lets it be accepted", () => {
    // GIVEN the index change accepted and pending in staging and prod
    const environments = smallEnvironments();
    const { accepted } = acceptSchema(lock, listOf(environments), withIndex);
    // WHEN a later change (staging's PITR window) comes before the deploy is recorded
    environments.staging.protection.pointInTimeRecovery = { enabled: true, recoveryPeriodInDays: 14 };
    const found = schemaChanges(accepted, listOf(environments), withIndex);
    // THEN the pending changes are refused, so that change cannot be accepted until they are recorded as applied
    expect(found.map((change) => `[${change.kind}] ${change.message.split(": ")[0]}`)).toEqual([
      "[review] staging.protection.pointInTimeRecovery",
      "[refused] staging.orders",
      "[refused] prod.orders",
    ]);
    expect(found[2].message).toBe(
      "prod.orders: the GSI change accepted earlier is still pending in schema.lock.json. Once it is applied in every " +
        "environment run `npm run schema:applied`, then accept this change (if it was accepted on this branch and never " +
        "deployed, restore schema.lock.json from main and accept both changes together)",
    );
    expect(acceptSchema(accepted, listOf(environments), withIndex).accepted).toBeUndefined();
    // WHEN the deploy is recorded (the lock as it is, the new change not yet in it) THEN the new change can be accepted
    const { applied } = markPendingApplied(accepted);
    expect(applied!.environments.staging.pointInTimeRecoveryDays).toBe(7);
    expect(acceptSchema(applied, listOf(environments), withIndex).accepted!.environments.staging.pointInTimeRecoveryDays).toBe(14);
  });

  test("accepting with nothing to record keeps what is pending", () => {
    const environments = listOf(smallEnvironments());
    const { accepted } = acceptSchema(lock, environments, withIndex);
    expect(pendingInLock(acceptSchema(accepted, environments, withIndex).accepted)).toEqual(pendingInLock(accepted));
  });

  test("a pending flag on an on-demand table (where Terraform ignores nothing) is refused: schema:accept never writes one", () => {
    const handEdited = structuredClone(lock);
    (handEdited.environments.dev.tables.orders as { applyIndexChanges: boolean }).applyIndexChanges = true;
    expect(schemaChanges(handEdited, listOf(smallEnvironments()), DEFINITIONS)).toEqual([
      {
        kind: "refused",
        message:
          "dev.orders: a change is pending in schema.lock.json, but the table is on demand, where Terraform ignores nothing. " +
          "Set its applyIndexChanges and applyBillingModeSwitch back to false in schema.lock.json",
      },
      expect.objectContaining({ kind: "refused", message: expect.stringMatching(/^dev\.orders: the GSI change accepted earlier/) }),
    ]);
  });

  test("nothing pending: schema:applied records nothing", () => {
    expect(markPendingApplied(lock)).toEqual({ cleared: [] });
  });
});

describe("pending changes as synthesized (one shipped environment: lock -> synth)", () => {
  /** The shipped config of one environment, to change; the lock and synth see only it (fewer stacks to synthesize). */
  const shippedInput = (name: string) =>
    structuredClone(ENVIRONMENTS.find((environment) => environment.name === name)!) as EnvironmentInput;
  /** Its lock as schema:accept writes it, with nothing pending (the committed one may have a change pending). */
  const lockWithNothingPending = (name: string) => currentSchema(validateEnvironments([shippedInput(name)]));
  const tablesOf = (stacks: ReturnType<typeof synthesizeStacks>, name: string) =>
    stacks[`dynamodb-${name}`].resource!.aws_dynamodb_table as Record<string, Record<string, unknown>>;

  test("a switch to PROVISIONED pending in the lock: the table ignores nothing, so the switch sends the configured min capacity", () => {
    const dev = shippedInput("dev");
    dev.tables.api_keys.capacity = {
      mode: "PROVISIONED",
      read: { min: 3, max: 10, targetUtilization: 70 },
      write: { min: 2, max: 10, targetUtilization: 70 },
    };
    const { accepted } = acceptSchema(lockWithNothingPending("dev"), validateEnvironments([dev]));
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined); // what is pending: the next test asserts it
    const table = tablesOf(synthesizeStacks({ environments: [dev], lock: accepted }), "dev").api_keys;
    expect(table.billing_mode).toBe("PROVISIONED");
    expect(table.read_capacity).toBe(3);
    expect(table.write_capacity).toBe(2);
    // Every GSI, however many the table has.
    for (const index of table.global_secondary_index as Array<Record<string, unknown>>) {
      expect(index).toEqual(expect.objectContaining({ read_capacity: 3, write_capacity: 2 }));
    }
    expect(table.lifecycle).toEqual({ prevent_destroy: false });
    warn.mockRestore();
  });

  test("a GSI change pending in the lock: Terraform applies GSIs on that table only until schema:applied", () => {
    const definitions = TABLE_DEFINITIONS.map((table) =>
      table.id === "webhook_events" ? { ...table, globalIndexes: [...(table.globalIndexes ?? []), extraIndex()] } : table,
    );
    const prod = shippedInput("prod");
    const environments = validateEnvironments([prod]);
    const ignored = (lockUsed: LockedSchema | undefined) => {
      const tables = tablesOf(synthesizeStacks({ environments: [prod], lock: lockUsed, definitions }), "prod");
      const ignoreChanges = (id: string) => (tables[id].lifecycle as { ignore_changes: string[] }).ignore_changes;
      return { webhook_events: ignoreChanges("webhook_events"), api_keys: ignoreChanges("api_keys") };
    };
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    const { accepted } = acceptSchema(lockWithNothingPending("prod"), environments, definitions);
    expect(ignored(accepted)).toEqual({
      webhook_events: ["read_capacity", "write_capacity"],
      api_keys: ["read_capacity", "write_capacity", "global_secondary_index"],
    });
    // Synth says what is pending, and how it ends, every time (within 120 columns).
    expect(warn).toHaveBeenCalledTimes(1);
    const said = String(warn.mock.calls[0][0]);
    expect(said.replace(/\s+/g, " ")).toBe(
      "schema.lock.json: pending for prod.webhook_events: Terraform applies their GSIs (or capacity), resetting capacity " +
        "to the configured min at each apply. Once every environment has applied the change, run `npm run schema:applied`.",
    );
    expect(said.split("\n").every((line) => line.length <= 120)).toBe(true);
    warn.mockClear();
    const { applied } = markPendingApplied(accepted);
    expect(ignored(applied).webhook_events).toEqual(["read_capacity", "write_capacity", "global_secondary_index"]);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});

describe("schema lock file", () => {
  const v1Text = readFileSync(join(__dirname, "../fixtures/schema-lock-v1.json"), "utf8");
  // A well-formed version 2 lock of the small world, to break in one place at a time.
  const committed = `${JSON.stringify(lock, null, 2)}\n`;

  const FILE_PROBLEMS: Array<[string, string, string]> = [
    ["an empty file", "", "schema.lock.json: is empty. Restore it from git"],
    ["whitespace only", "  \n", "schema.lock.json: is empty. Restore it from git"],
    ["invalid JSON", '{"version": 2,', "schema.lock.json: is not valid JSON ("],
    ["JSON that is not an object", "[]", "schema.lock.json: is not a version 2 schema lock ("],
    [
      "a table without its TTL attribute",
      committed.replace(/\s*"timeToLiveAttribute": "expires_at",/, ""),
      "schema.lock.json: is not a version 2 schema lock at environments.dev.tables.orders.timeToLiveAttribute",
    ],
    [
      "an unknown stream view type",
      committed.replace('"stream": "NEW_IMAGE"', '"stream": "ALL_IMAGES"'),
      "schema.lock.json: is not a version 2 schema lock at environments.dev.tables.ledger.stream",
    ],
    [
      "a version 1 lock with a version 2 shape",
      committed.replace('"version": 2', '"version": 1'),
      "schema.lock.json: is not a version 1 schema lock at environments.dev",
    ],
  ];

  test.each(FILE_PROBLEMS)("%s names the file and says how to regenerate it", (_name, text, start) => {
    expect(() => parseSchemaLock(text)).toThrow(SchemaLockFileError);
    expect(() => parseSchemaLock(text)).toThrow(start);
    expect(() => parseSchemaLock(text)).toThrow("or review the table schema and run `npm run schema:accept` to regenerate it");
  });

  test("a lock from a newer version is refused, and schema:accept may not overwrite it", () => {
    const read = () => parseSchemaLock(committed.replace('"version": 2', '"version": 3'));
    expect(read).toThrow(SchemaLockFileError);
    const error = (() => {
      try {
        read();
        return undefined;
      } catch (thrown) {
        return thrown as SchemaLockFileError;
      }
    })();
    expect(error?.message).toBe(
      "schema.lock.json: is version 3, written by a newer opsdata-infra than this one (which reads versions 1-2); update your checkout (git pull) instead of rewriting the lock. Nothing was written",
    );
    expect(error?.regenerable).toBe(false);
  });

  test("a version 1 lock fails synth with the upgrade message, and schema:accept upgrades it to the current schema", () => {
    const environments = listOf(smallEnvironments());
    const v1: LockedSchema = parseSchemaLock(v1Text);
    const { changes, accepted } = acceptSchema(v1, environments, DEFINITIONS);
    expect(changes).toEqual([
      {
        kind: "review",
        message:
          "schema.lock.json is version 1; version 2 also records streams, TTL attributes, table classes, append-only, billing modes, PITR windows and KMS keys. Review them and run `npm run schema:accept` to upgrade it",
      },
    ]);
    expect(accepted!.version).toBe(2);
    // What version 1 recorded is kept, and what version 2 adds is filled in from the code.
    expect(accepted!.environments.prod).toEqual({
      pointInTimeRecoveryDays: 35,
      kmsKey: "create",
      tables: expect.objectContaining({
        ledger: {
          ...JSON.parse(v1Text).environments.prod.ledger,
          timeToLiveAttribute: "expires_at",
          stream: "NEW_IMAGE",
          tableClass: "STANDARD_INFREQUENT_ACCESS",
          appendOnly: true,
          billingMode: "PROVISIONED",
          applyIndexChanges: false,
          applyBillingModeSwitch: false,
        },
      }),
    });
    expect(accepted!.environments.dev.pointInTimeRecoveryDays).toBeNull();
    expect(accepted!.environments.dev.kmsKey).toBe("AWS owned key");
    expect(() => assertSchemaMatchesLock(accepted, environments, DEFINITIONS)).not.toThrow();
  });

  test("a version 1 lock still guards what version 1 recorded", () => {
    const changed = withTable("orders", (t) => ({ ...t, partitionKey: { name: "order_ref", type: "S" } }));
    const kinds = schemaChanges(parseSchemaLock(v1Text), listOf(smallEnvironments()), changed).map(
      (c) => `[${c.kind}] ${c.message.split(":")[0]}`,
    );
    expect(kinds).toEqual([
      "[review] schema.lock.json is version 1; version 2 also records streams, TTL attributes, table classes, append-only, billing modes, PITR windows and KMS keys. Review them and run `npm run schema",
      "[unsafe] dev.orders.partitionKey",
      "[unsafe] staging.orders.partitionKey",
      "[unsafe] prod.orders.partitionKey",
    ]);
  });

  test("readSchemaLock names the file it read: a missing file is no lock, a directory cannot be read", () => {
    const directory = mkdtempSync(join(tmpdir(), "schema-lock-file-"));
    try {
      expect(readSchemaLock(join(directory, "schema.lock.json"))).toBeUndefined();
      writeFileSync(join(directory, "schema.lock.json"), "{");
      expect(() => readSchemaLock(join(directory, "schema.lock.json"))).toThrow(
        `${join(directory, "schema.lock.json")}: is not valid JSON (`,
      );
      mkdirSync(join(directory, "dir.lock.json"));
      expect(() => readSchemaLock(join(directory, "dir.lock.json"))).toThrow(
        `${join(directory, "dir.lock.json")}: cannot be read (EISDIR)`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
