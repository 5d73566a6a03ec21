/**
 * The plan guard: reads `terraform show -json <planfile>` output and refuses a plan that would lose
 * data or weaken a protection, on every action Terraform emits (create, update, delete, replace in
 * both orders, forget, deposed objects, drift), naming each address with a stable finding code, its
 * detail and the safe procedure. Pure (no filesystem, no terraform): `scripts/plan-guard-file.ts`
 * reads the files, `scripts/plan-guard.ts` is the CLI. What each resource kind promises is in
 * plan-guard-rules.ts; overrides in plan-guard-overrides.ts; docs/guards.md, "Plan guard".
 *
 * Plan format: https://developer.hashicorp.com/terraform/internals/json-format (format_version
 * "1.x": minor versions only add fields, a new major must be rejected; change.actions one of
 * ["no-op"], ["create"], ["read"], ["update"], ["delete"], ["delete","create"], ["create","delete"],
 * ["forget"], and a forget combined with a create; `complete` false for a -target plan).
 */
import { Instance, PlanModel, ResourceChange, TerraformPlan, at, isObject, priorAddresses } from "./plan-guard-model";
import {
  MAX_OVERRIDE_DAYS,
  PlanEnvironment,
  PlanGuardInputError,
  PlanGuardOverride,
  daysLeft,
  environmentMismatch,
  planEnvironment,
} from "./plan-guard-overrides";
import { describeStatement } from "./plan-guard-policy";
import { wrapLines } from "../config/output-width";
import { KIND_RULES, SINGLETON_KEYS, UNGUARDED_TYPES, policyDenials } from "./plan-guard-rules";

export { PlanGuardInputError, parseOverrides, type PlanGuardOverride } from "./plan-guard-overrides";
export type { TerraformPlan } from "./plan-guard-model";

/** The reviewed, committed exceptions (docs/guards.md, "Plan guard"). */
export const PLAN_GUARD_OVERRIDES_FILE = "guards/plan-guard-overrides.json";

export interface Finding {
  readonly address: string;
  /** The deposed object's key, when the finding is about a deposed object (not the current one). */
  readonly deposed?: string;
  /** Stable kebab-case code, e.g. `replaced`, `gsi-dropped`, `denial-lifted`. */
  readonly finding: string;
  /** What exactly: an index name, `35->7`, a before->after policy digest. An override names it. */
  readonly detail: string;
  readonly message: string;
  readonly procedure: string;
}

export interface OverrideReport {
  readonly override: PlanGuardOverride;
  /** `applied`; `unused` (right environment, nothing matches); `expired`; `too-long`; `other-environment`. */
  readonly status: "applied" | "unused" | "expired" | "too-long" | "other-environment";
  readonly message: string;
}

export interface PlanGuardResult {
  /** Findings no override waives: the plan is refused while there is one. */
  readonly findings: readonly Finding[];
  readonly overridden: ReadonlyArray<Finding & { readonly reason: string; readonly expires: string }>;
  readonly overrides: readonly OverrideReport[];
  readonly environment: PlanEnvironment;
  readonly summary: string;
}

export interface GuardOptions {
  readonly overrides?: readonly PlanGuardOverride[];
  /** Decides which overrides have expired. @default new Date() */
  readonly now?: Date;
}

const ACTIONS = new Set(["no-op", "create", "read", "update", "delete", "forget"]);
const MODES = new Set(["managed", "data"]);

/** Parses and checks `terraform show -json` output; every error names `file` and the field (never a pass). */
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
  if (typeof version !== "string" || !/^1\.\d+$/.test(version))
    throw new PlanGuardInputError(
      `${file}: format_version ${JSON.stringify(version)} is not a Terraform JSON plan this guard reads (1.x); write it with: terraform show -json <planfile>`,
    );
  if (!isObject(document.planned_values))
    throw new PlanGuardInputError(
      `${file}: has no planned_values, so it is not a plan (a state file?); give it terraform show -json <planfile>`,
    );
  // An errored plan is partial in ways prior_state cannot make certain: refused, never checked.
  if (document.errored !== undefined && document.errored !== false)
    throw new PlanGuardInputError(
      `${file}: field errored is ${JSON.stringify(document.errored)}: terraform reports this plan errored; fix the plan errors first`,
    );
  if (document.complete !== undefined && typeof document.complete !== "boolean")
    throw new PlanGuardInputError(`${file}: field complete must be true or false`);
  const changes = changeList(document.resource_changes, `${file}: resource_changes`);
  const drift = changeList(document.resource_drift, `${file}: resource_drift`);
  const complete = document.complete !== false;
  if (complete) {
    // A complete plan lists every managed resource of prior_state (no-op included): a missing one means the file was edited or cut.
    const listed = new Set(changes.filter((change) => !change.deposed).map((change) => change.address));
    const missing = priorAddresses(document.prior_state).filter((resource) => resource.mode === "managed" && !listed.has(resource.address));
    if (missing.length > 0)
      throw new PlanGuardInputError(
        `${file}: resource_changes does not list ${missing.map((m) => m.address).join(", ")}, which prior_state holds; a complete plan lists every resource. Regenerate it with terraform plan and terraform show -json`,
      );
  }
  return {
    format_version: version,
    resource_changes: changes,
    resource_drift: drift,
    prior_state: document.prior_state,
    configuration: document.configuration,
    complete,
  };
}

function changeList(value: unknown, where: string): ResourceChange[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new PlanGuardInputError(`${where} must be an array`);
  return value.map((change: unknown, index) => {
    const at = `${where}[${index}]`;
    if (!isObject(change) || typeof change.address !== "string" || typeof change.type !== "string" || !isObject(change.change))
      throw new PlanGuardInputError(`${at}: needs address, type and change`);
    const named = `${at} (${change.address})`;
    if (typeof change.mode !== "string" || !MODES.has(change.mode))
      throw new PlanGuardInputError(`${named}: field mode is ${JSON.stringify(change.mode)}; terraform writes "managed" or "data"`);
    const local = change.address.replace(/^(module\.[^.[]+(\[[^\]]*\])?\.)*/, "");
    if (!local.startsWith(`${change.mode === "data" ? "data." : ""}${change.type}.`))
      throw new PlanGuardInputError(`${named}: field type ${JSON.stringify(change.type)} does not match the address`);
    if (change.deposed !== undefined && typeof change.deposed !== "string")
      throw new PlanGuardInputError(`${named}: field deposed must be a string`);
    const { actions, before, after } = change.change;
    if (!Array.isArray(actions) || actions.length === 0 || actions.length > 2 || !actions.every((action) => ACTIONS.has(String(action))))
      throw new PlanGuardInputError(`${named}: field change.actions ${JSON.stringify(actions)} is not a Terraform action list`);
    for (const [field, values] of [
      ["before", before],
      ["after", after],
    ] as const) {
      if (values !== null && values !== undefined && !isObject(values))
        throw new PlanGuardInputError(`${named}: field change.${field} must be an object or null`);
    }
    if ((actions.includes("update") || actions.includes("delete") || actions.includes("forget")) && !isObject(before))
      throw new PlanGuardInputError(
        `${named}: field change.before is missing for a ${actions.join(",")}: terraform always writes the prior object`,
      );
    return change as unknown as ResourceChange;
  });
}

/** The existing object of a one-per-resource type (SINGLETON_KEYS) that a new one would overwrite. */
function inForce(instance: Instance, model: PlanModel): Instance | undefined {
  const keyField = SINGLETON_KEYS[instance.type];
  const target = keyField ? instance.after?.[keyField] : undefined;
  if (typeof target !== "string") return undefined;
  return model.ofType(instance.type).find((other) => other !== instance && other.before !== null && other.before[keyField] === target);
}

/** `delete`, `replaced (delete,create)`, `forgotten`: what happens to the existing object. */
function removal(actions: readonly string[]): { finding: string; verb: string } | undefined {
  if (actions.includes("forget"))
    return {
      finding: "forgotten",
      verb: `forgets it (${actions.join(",")}): removed from state while it stays in AWS, so neither prevent_destroy nor this guard covers it any more`,
    };
  if (!actions.includes("delete")) return undefined;
  return actions.length > 1
    ? { finding: "replaced", verb: `replaces it (${actions.join(" then ")})` }
    : { finding: "destroyed", verb: "deletes it" };
}

function findingsFor(instance: Instance, model: PlanModel): Finding[] {
  const rule = KIND_RULES[instance.type];
  if (instance.mode !== "managed" || instance.actions.every((action) => action === "no-op" || action === "read")) return [];
  // Fail closed: an AWS type nobody decided about (e.g. a KMS grant, a Kinesis resource policy, a table
  // item) could weaken a protection this guard cannot see. Non-AWS types (terraform_data) hold no data.
  if (!rule && instance.type.startsWith("aws_") && !UNGUARDED_TYPES[instance.type] && instance.source === "change")
    return [
      {
        address: instance.address,
        ...(instance.deposed ? { deposed: instance.deposed } : {}),
        finding: "unguarded-type",
        detail: instance.type,
        message: `${instance.type} has no plan-guard rule (${instance.actions.join(",")}): the guard cannot show it keeps data and its protections`,
        procedure: `add a rule to guards/plan-guard-rules.ts (KIND_RULES) or a reviewed reason to UNGUARDED_TYPES, or add an override naming this detail`,
      },
    ];
  if (!rule) return [];
  const created = instance.actions.length === 1 && instance.actions[0] === "create";
  const existing = created ? inForce(instance, model) : undefined;
  // A second configuration that overwrites a protected one is protected by what it overwrites.
  const role = rule.role(instance, model) ?? (existing && rule.role(existing, model));
  if (!role) return [];
  const found: Finding[] = [];
  const add = (finding: string, detail: string, message: string, procedure: string) =>
    found.push({
      address: instance.address,
      ...(instance.deposed ? { deposed: instance.deposed } : {}),
      finding,
      detail,
      message: `${role}: ${message}`,
      procedure,
    });
  const removed = removal(instance.actions);
  if (instance.source === "drift") {
    if (instance.actions.includes("delete") && rule.loss)
      add(
        "deleted-outside-terraform",
        "resource_drift",
        `was deleted outside Terraform; this plan re-creates it empty (${rule.loss})`,
        `find out who deleted it and restore it first; ${rule.procedure}`,
      );
    return found;
  }
  if (removed && rule.loss) {
    const deposed = instance.deposed ? "an earlier copy left by a failed create_before_destroy replacement, deposed; this plan " : "";
    add(removed.finding, instance.actions.join(","), `${deposed}${removed.verb}: ${rule.loss}`, rule.procedure);
  }
  if (!instance.deposed && rule.changed) {
    // A second policy/configuration for the same table or bucket overwrites the one in force: compared with it.
    const issues = instance.actions.includes("update")
      ? rule.changed(instance.before, instance.after, { instance, model, created: false })
      : existing
        ? rule
            .changed(existing.before, instance.after, { instance, model, created: false })
            .map((i) => ({ ...i, message: `overwrites ${existing.address}: ${i.message}` }))
        : created
          ? rule.changed(null, instance.after, { instance, model, created: true })
          : [];
    issues.forEach((i) => add(i.finding, i.detail, i.message, i.procedure));
  }
  const calls = instance.actions.includes("update") || instance.actions.includes("delete") || existing !== undefined;
  if (!instance.deposed && rule.dynamodbCalls && calls) {
    const { table, actions } = rule.dynamodbCalls(instance, model);
    for (const action of table ? actions : []) {
      for (const denial of policyDenials(table!, action, model))
        add(
          "denied-by-resource-policy",
          action,
          `needs ${action}, which ${denial.policy.address} denies (${describeStatement(denial.statement)}): the apply fails with AccessDenied unless run by a principal the condition exempts`,
          "get the change approved, add an override, and apply it with the exempted (break-glass) role; docs/guards.md",
        );
    }
  }
  return found;
}

function summarize(plan: TerraformPlan): string {
  const managed = plan.resource_changes.filter((resource) => resource.mode === "managed");
  const count = (predicate: (actions: readonly string[]) => boolean) =>
    managed.filter((resource) => predicate(resource.change.actions)).length;
  const parts = [
    `${count((a) => a.length === 1 && a[0] === "create")} to create`,
    `${count((a) => a.includes("update"))} to update`,
    `${count((a) => a.length === 2 && a.includes("delete"))} to replace`,
    `${count((a) => a.length === 1 && a[0] === "delete")} to delete`,
    `${count((a) => a.includes("forget"))} to forget`,
    `${count((a) => a[0] === "no-op")} unchanged`,
  ];
  const deposed = managed.filter((resource) => resource.deposed).length;
  if (deposed > 0) parts.push(`${deposed} deposed`);
  if (plan.resource_drift.length > 0) parts.push(`${plan.resource_drift.length} drifted`);
  if (!plan.complete) parts.push("incomplete (-target): what it leaves out is read from prior_state");
  return parts.join(", ");
}

const key = (f: { address: string; deposed?: string; finding: string; detail: string }) =>
  JSON.stringify([f.address, f.deposed ?? "", f.finding, f.detail]);

/**
 * GSIs the configuration declares but the plan leaves out (or keeps though the configuration dropped
 * them): with `global_secondary_index` in ignore_changes (autoscaled tables, config/ignored-attributes.ts)
 * Terraform silently skips a GSI change unless schema.lock.json has it pending. The configured names
 * come from the plan's `configuration` (nested blocks as arrays of expression objects:
 * https://developer.hashicorp.com/terraform/internals/json-format, "Block Expressions Representation").
 */
function skippedIndexChanges(model: PlanModel): Finding[] {
  return model.ofType("aws_dynamodb_table").flatMap((table) => {
    const configured = model.configuredBlockValues(table, "global_secondary_index", "name");
    const planned = at(table.after, "global_secondary_index");
    if (table.source !== "change" || !configured || !Array.isArray(planned)) return [];
    const names = planned.map((index) => at(index, "name"));
    if (!names.every((name): name is string => typeof name === "string")) return [];
    const difference = [
      ...configured.filter((name) => !names.includes(name)).map((name) => `+${name}`),
      ...names.filter((name) => !configured.includes(name)).map((name) => `-${name}`),
    ].sort();
    if (difference.length === 0) return [];
    return [
      {
        address: table.address,
        finding: "gsi-change-skipped",
        detail: difference.join(","),
        message:
          `the configuration's GSIs differ from the table's after this plan (${difference.join(", ")}): ` +
          "global_secondary_index is in ignore_changes, so Terraform skips the GSI change",
        procedure:
          "keep the change pending in schema.lock.json (npm run schema:accept records it) until every environment has " +
          "applied it; run npm run schema:applied only after that",
      },
    ];
  });
}

/** Checks a parsed plan; pure. */
export function guardPlan(plan: TerraformPlan, options: GuardOptions = {}): PlanGuardResult {
  const now = options.now ?? new Date();
  const model = new PlanModel(plan);
  const unique = new Map<string, Finding>();
  for (const instance of [...model.instances.filter((i) => i.source === "change"), ...model.drift])
    for (const found of findingsFor(instance, model)) unique.set(key(found), found);
  for (const found of skippedIndexChanges(model)) unique.set(key(found), found);
  const all = [...unique.values()];
  const environment = planEnvironment(model);
  const waived = new Map<string, PlanGuardOverride>();
  const reports = (options.overrides ?? []).map((override): OverrideReport => {
    const name = `override ${override.address}${override.deposed ? ` deposed ${override.deposed}` : ""} ${override.finding} [${override.detail}]`;
    const left = daysLeft(override, now);
    if (left < 0)
      return { override, status: "expired", message: `${name}: expired on ${override.expires}; renew it with a fresh review or remove it` };
    if (left > MAX_OVERRIDE_DAYS)
      return {
        override,
        status: "too-long",
        message: `${name}: expires ${override.expires}, more than ${MAX_OVERRIDE_DAYS} days ahead; shorten it`,
      };
    const mismatch = environmentMismatch(override, environment);
    if (mismatch) return { override, status: "other-environment", message: `${name}: not for this plan (${mismatch})` };
    const matched = all.filter((found) => key(found) === key(override));
    if (matched.length === 0)
      return {
        override,
        status: "unused",
        message: `${name}: matches no finding in this plan; remove it from ${PLAN_GUARD_OVERRIDES_FILE} once applied`,
      };
    matched.forEach((found) => waived.set(key(found), override));
    return { override, status: "applied", message: `${name}: applied (${override.reason})` };
  });
  return {
    findings: all.filter((found) => !waived.has(key(found))),
    overridden: all.flatMap((found) => {
      const override = waived.get(key(found));
      return override ? [{ ...found, reason: override.reason, expires: override.expires }] : [];
    }),
    overrides: reports,
    environment,
    summary: summarize(plan),
  };
}

const commonPrefix = (names: readonly string[]) =>
  names.length === 0
    ? ""
    : names.reduce((prefix, name) => {
        while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
        return prefix;
      });

export interface FormatOptions {
  /**
   * Whether a refusal ends with how to add an override (an example entry for guards/plan-guard-overrides.json);
   * false where no overrides are read (the Atlantis guard: waiving is the policy owners' call). @default true
   */
  readonly overrideAdvice?: boolean;
}

/**
 * The report people read (on the pull request in Atlantis), within OUTPUT_WIDTH columns, and the exit code: 0 pass,
 * 1 refused. Each finding is a list item: `- <address> [(deposed <key>)] <finding> [<detail>]` (what an override names),
 * then its message and its safe procedure.
 */
export function formatGuardResult(
  result: PlanGuardResult,
  file: string,
  { overrideAdvice = true }: FormatOptions = {},
): { text: string; exitCode: 0 | 1 } {
  // Identifiers (a finding's address, finding and detail; the example entry) are never wrapped: they are copied.
  const lines: string[] = [];
  const say = (text: string) => lines.push(wrapLines(text));
  // Another environment's override is expected in a shared file: a note, so a typo in its environment still shows.
  for (const report of result.overrides.filter(({ status }) => status !== "applied"))
    say(`${report.status === "other-environment" ? "note" : "WARNING"}: ${report.message}`);
  for (const found of result.overridden)
    say(`overridden until ${found.expires}: ${identity(found)}: ${found.message} (reviewed reason: ${found.reason})`);
  if (result.findings.length === 0) {
    say(`plan guard: OK (${file}: ${result.summary})`);
    return { text: lines.join("\n"), exitCode: 0 };
  }
  say(`plan guard: REFUSED (${file}: ${result.summary}).`);
  say(`${result.findings.length} finding(s) would lose data or weaken a protection:`);
  for (const found of result.findings) {
    lines.push(`- ${identity(found)}`);
    say(`  ${found.message}`);
    say(`  safe procedure: ${found.procedure}`);
  }
  if (!overrideAdvice) return { text: lines.join("\n"), exitCode: 1 };

  const { account = "<12-digit account>", tableNames } = result.environment;
  const first = result.findings[0];
  const example = {
    environment: { account, tableNamePrefix: commonPrefix(tableNames) || "<table name prefix>" },
    address: first.address,
    ...(first.deposed ? { deposed: first.deposed } : {}),
    finding: first.finding,
    detail: first.detail,
    reason: "<why this is safe>",
    expires: `<YYYY-MM-DD, at most ${MAX_OVERRIDE_DAYS} days ahead>`,
  };
  say(`Intended and reviewed? Add an entry per finding to ${PLAN_GUARD_OVERRIDES_FILE} in the pull request, e.g.:`);
  lines.push(JSON.stringify(example, null, 2).replace(/^/gm, "  "));
  return { text: lines.join("\n"), exitCode: 1 };
}

/** What an override names: `<address> [(deposed <key>)] <finding> [<detail>]`. */
const identity = (found: Finding) =>
  `${found.address}${found.deposed ? ` (deposed ${found.deposed})` : ""} ${found.finding} [${found.detail}]`;
