/**
 * IAM-style policy documents compared by meaning, for the plan guard. A document (the JSON string
 * the AWS provider stores in state) becomes a list of normalised statements: effect, principals,
 * actions (lower-cased: IAM action names are case-insensitive), resources and conditions (operator,
 * lower-cased key, sorted values), with statements that differ only in their actions merged.
 * Element grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 * (a bare 12-digit account id as an AWS principal means that account's root ARN; `"*"` and
 * `{"AWS":"*"}` both mean everyone; condition keys are case-insensitive, operators are not).
 */
import { createHash } from "node:crypto";

export interface Statement {
  readonly effect: string;
  /** Sorted `type:value` (e.g. `aws:arn:aws:iam::1:role/x`, `service:firehose.amazonaws.com`, `*`). */
  readonly principals: readonly string[];
  readonly notPrincipals: readonly string[];
  /** Lower-cased, sorted. */
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  /** Canonical JSON of the condition block. */
  readonly condition: string;
}

/** What a document is, by meaning; `unreadable` when the text is not a policy (the guard then assumes the worst). */
export type Policy = { readonly statements: readonly Statement[] } | { readonly unreadable: string };

const list = (value: unknown): string[] => (value === undefined || value === null ? [] : [value].flat().map(String));
const sorted = (values: readonly string[]) => [...new Set(values)].sort();

function principals(value: unknown): string[] {
  if (value === undefined) return [];
  if (value === "*") return ["*"];
  if (typeof value !== "object" || value === null) return [`?:${String(value)}`];
  return Object.entries(value).flatMap(([type, ids]) =>
    list(ids).map((id) => {
      if (type === "AWS" && id === "*") return "*";
      if (type === "AWS" && /^\d{12}$/.test(id)) return `aws:arn:aws:iam::${id}:root`;
      return `${type.toLowerCase()}:${id}`;
    }),
  );
}

function canonicalCondition(value: unknown): string {
  if (typeof value !== "object" || value === null) return "{}";
  const operators = Object.entries(value)
    .map(([operator, keys]) => {
      const entries =
        typeof keys === "object" && keys !== null
          ? Object.entries(keys)
              .map(([key, values]) => [key.toLowerCase(), sorted(list(values))] as const)
              .sort(([a], [b]) => a.localeCompare(b))
          : [["?", [String(keys)]] as const];
      return [operator, entries] as const;
    })
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(operators);
}

/** Parses and normalises a policy document given as a JSON string (as in state) or an object. */
export function normalizePolicy(document: unknown): Policy {
  let parsed = document;
  if (typeof document === "string") {
    try {
      parsed = JSON.parse(document);
    } catch {
      return { unreadable: "not valid JSON" };
    }
  }
  if (typeof parsed !== "object" || parsed === null) return { unreadable: "not a JSON object" };
  const raw = (parsed as { Statement?: unknown }).Statement;
  if (raw === undefined) return { unreadable: "no Statement" };
  const statements: Statement[] = [];
  for (const item of [raw].flat()) {
    if (typeof item !== "object" || item === null) return { unreadable: "a Statement is not an object" };
    const s = item as Record<string, unknown>;
    if (s.Effect !== "Allow" && s.Effect !== "Deny") return { unreadable: `Effect ${JSON.stringify(s.Effect)}` };
    statements.push({
      effect: s.Effect,
      principals: sorted(principals(s.Principal)),
      notPrincipals: sorted(principals(s.NotPrincipal)),
      actions: sorted(list(s.Action).map((action) => action.toLowerCase())),
      notActions: sorted(list(s.NotAction).map((action) => action.toLowerCase())),
      resources: sorted(list(s.Resource)),
      notResources: sorted(list(s.NotResource)),
      condition: canonicalCondition(s.Condition),
    });
  }
  return { statements: mergeByScope(statements) };
}

/** Everything but the actions: statements with the same scope (and no NotAction) mean the union of their actions. */
const scope = (s: Statement) => JSON.stringify([s.effect, s.principals, s.notPrincipals, s.resources, s.notResources, s.condition]);

function mergeByScope(statements: readonly Statement[]): Statement[] {
  const merged = new Map<string, Statement>();
  statements.forEach((statement, index) => {
    const key = statement.notActions.length > 0 ? `${index}` : scope(statement);
    const existing = merged.get(key);
    merged.set(key, existing ? { ...existing, actions: sorted([...existing.actions, ...statement.actions]) } : statement);
  });
  return [...merged.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const glob = (pattern: string, ignoreCase = false) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    ignoreCase ? "i" : "",
  );

/** True when one of the IAM wildcard patterns (`*`, `?`) matches `value` (actions: case-insensitive). */
export const matchesAny = (patterns: readonly string[], value: string, ignoreCase: boolean) =>
  patterns.some((pattern) => glob(pattern, ignoreCase).test(value));

/** True when `wide` applies to every request `narrow` applies to (same scope, every action of `narrow` matched). */
export function covers(wide: Statement, narrow: Statement): boolean {
  if (scope(wide) !== scope(narrow) || JSON.stringify(wide.notActions) !== JSON.stringify(narrow.notActions)) return false;
  const patterns = wide.actions.map((pattern) => glob(pattern, true));
  return narrow.actions.every((action) => patterns.some((pattern) => pattern.test(action)));
}

/** The statements of `from` with `effect` that no statement of `to` still covers. */
export function notKept(from: readonly Statement[], to: readonly Statement[], effect: "Allow" | "Deny"): Statement[] {
  return from.filter((s) => s.effect === effect && !to.some((t) => t.effect === effect && covers(t, s)));
}

/** A short, stable name for a value (what an override's detail names). */
export const digest = (value: unknown) =>
  `sha256:${createHash("sha256")
    .update(JSON.stringify(value) ?? "undefined")
    .digest("hex")
    .slice(0, 12)}`;

/** A short, stable name for a document's meaning. */
export const policyDigest = (policy: Policy | "unknown"): string => digest(policy === "unknown" ? "unknown" : policy);

/**
 * One line for a message: `Deny dynamodb:deleteitem, ... to * if [...]`, its lists and the condition's JSON spaced
 * after each comma so that the report can wrap them.
 */
export function describeStatement(s: Statement): string {
  const actions = s.actions.length > 0 ? s.actions.join(", ") : `all but ${s.notActions.join(", ")}`;
  const who = s.principals.length > 0 ? s.principals.join(", ") : `all but ${s.notPrincipals.join(", ")}`;
  const condition =
    s.condition === "[]" || s.condition === "{}" ? "" : ` if ${s.condition.replace(/,(?=["[{\d-]|true|false|null)/g, ", ")}`;
  return `${s.effect} ${actions} to ${who}${condition}`;
}

/** An Allow to everyone with no condition: public. */
export const isPublicAllow = (s: Statement) =>
  s.effect === "Allow" && s.principals.includes("*") && (s.condition === "[]" || s.condition === "{}");
