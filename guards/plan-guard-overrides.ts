/**
 * Plan-guard overrides: reviewed, committed exceptions that each waive exactly one finding (address,
 * deposed key, finding code and detail) in exactly one environment, until an expiry date. The
 * environment is read from the plan itself (the AWS account in the provider's `allowed_account_ids`
 * and in the ARNs of what the plan touches, and the table names), never from a flag the caller
 * passes: a dev override cannot waive a prod plan. `terraform show -json` does not include the
 * backend configuration (checked with terraform 1.11.4), so the state key cannot be used.
 */
import { PlanModel, at, isObject } from "./plan-guard-model";

export class PlanGuardInputError extends Error {}

export interface PlanGuardOverride {
  /** The plan's environment: its AWS account and the prefix every table name in it starts with. */
  readonly environment: { readonly account: string; readonly tableNamePrefix: string };
  readonly address: string;
  /** Set to waive a deposed object's finding (never the current object's). */
  readonly deposed?: string;
  readonly finding: string;
  /** The finding's detail as printed (an index name, `35->7`, a policy digest pair). */
  readonly detail: string;
  /** Why this change is safe; what reviewers (Atlantis policy owners) approve. */
  readonly reason: string;
  /** Last day (UTC, YYYY-MM-DD) the override applies. */
  readonly expires: string;
}

/** An override may not be valid for longer than this from the run that checks it. */
export const MAX_OVERRIDE_DAYS = 90;

const FIELDS = ["environment", "address", "deposed", "finding", "detail", "reason", "expires"];
const EXAMPLE =
  '{ "environment": { "account": "333333333333", "tableNamePrefix": "opsdata_prod_" }, "address", "finding", "detail", "reason", "expires": "YYYY-MM-DD" }';

/** Parses the overrides file (a JSON array); every error names the file, the entry and the field. */
export function parseOverrides(text: string, file: string): PlanGuardOverride[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PlanGuardInputError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(document)) throw new PlanGuardInputError(`${file}: must be a JSON array of ${EXAMPLE} ([] for none)`);
  return document.map((entry: unknown, index) => {
    const where = `${file}: entry ${index}`;
    if (!isObject(entry)) throw new PlanGuardInputError(`${where}: must be an object ${EXAMPLE}`);
    const extra = Object.keys(entry).filter((key) => !FIELDS.includes(key));
    if (extra.length > 0) throw new PlanGuardInputError(`${where}: unknown field(s) ${extra.join(", ")}; allowed: ${FIELDS.join(", ")}`);
    const text = (field: string, value: unknown = entry[field]) => {
      if (typeof value !== "string" || value.trim() === "")
        throw new PlanGuardInputError(`${where}: field ${field} must be a non-empty string (see ${EXAMPLE})`);
      return value;
    };
    const environment = entry.environment;
    if (!isObject(environment))
      throw new PlanGuardInputError(`${where}: field environment must be { "account": "<12 digits>", "tableNamePrefix": "<prefix>" }`);
    const account = text("environment.account", environment.account);
    if (!/^\d{12}$/.test(account)) throw new PlanGuardInputError(`${where}: field environment.account must be a 12-digit AWS account id`);
    const expires = text("expires");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(`${expires}T00:00:00Z`)))
      throw new PlanGuardInputError(`${where}: field expires must be a date YYYY-MM-DD`);
    if (entry.deposed !== undefined) text("deposed");
    const finding = text("finding");
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(finding))
      throw new PlanGuardInputError(`${where}: field finding must be a finding code as printed (kebab-case)`);
    return {
      environment: { account, tableNamePrefix: text("environment.tableNamePrefix", environment.tableNamePrefix) },
      address: text("address"),
      ...(entry.deposed === undefined ? {} : { deposed: String(entry.deposed) }),
      finding,
      detail: text("detail"),
      reason: text("reason"),
      expires,
    };
  });
}

/** The environment a plan is for, read from the plan only. */
export interface PlanEnvironment {
  /** The one account the plan names; undefined when it names none or several (then no override applies). */
  readonly account?: string;
  readonly accounts: readonly string[];
  readonly tableNames: readonly string[];
}

export function planEnvironment(model: PlanModel): PlanEnvironment {
  const accounts = new Set<string>();
  const configuration = model.plan.configuration;
  const providers = isObject(configuration) && isObject(configuration.provider_config) ? Object.values(configuration.provider_config) : [];
  for (const provider of providers) {
    const allowed = at(provider, "expressions.allowed_account_ids.constant_value");
    if (Array.isArray(allowed)) allowed.forEach((account) => accounts.add(String(account)));
  }
  const tableNames = new Set<string>();
  for (const instance of model.instances) {
    if (instance.mode !== "managed" || !instance.type.startsWith("aws_")) continue;
    for (const state of PlanModel.states(instance)) {
      const arn = /^arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):/.exec(typeof state.arn === "string" ? state.arn : "");
      if (arn) accounts.add(arn[1]);
      if (instance.type === "aws_dynamodb_table" && typeof state.name === "string") tableNames.add(state.name);
    }
  }
  const list = [...accounts].sort();
  return { account: list.length === 1 ? list[0] : undefined, accounts: list, tableNames: [...tableNames].sort() };
}

/** Why an override does not apply to this plan's environment, or undefined when it does. */
export function environmentMismatch(override: PlanGuardOverride, environment: PlanEnvironment): string | undefined {
  if (environment.account === undefined)
    return environment.accounts.length === 0
      ? "the plan names no AWS account"
      : `the plan names several accounts (${environment.accounts.join(", ")})`;
  if (override.environment.account !== environment.account)
    return `it is for account ${override.environment.account}, the plan is for ${environment.account}`;
  const foreign = environment.tableNames.filter((table) => !table.startsWith(override.environment.tableNamePrefix));
  if (environment.tableNames.length === 0) return "the plan has no DynamoDB table to confirm the environment";
  if (foreign.length > 0) return `the plan's table(s) ${foreign.join(", ")} do not start with ${override.environment.tableNamePrefix}`;
  return undefined;
}

/** Days from `now` to the end of the override's last day (negative: expired). */
export const daysLeft = (override: PlanGuardOverride, now: Date) =>
  (Date.parse(`${override.expires}T23:59:59.999Z`) - now.getTime()) / 86_400_000;
