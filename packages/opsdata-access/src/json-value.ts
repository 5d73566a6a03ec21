/**
 * Values callers hand over to be stored (an idempotent response, a webhook payload, audit details)
 * are normalised to their JSON form before anything is written, so storing never fails after the
 * work is done: what `JSON.stringify` makes of them (a Date becomes its ISO string, an undefined
 * property disappears, a bigint becomes its decimal string; undefined itself becomes null).
 */
import { ValidationError } from "./errors";

export function jsonText(operation: string, field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner));
  } catch (error) {
    throw new ValidationError(operation, [`${field}: not representable as JSON (${(error as Error).message})`]);
  }
  return text ?? "null";
}

/**
 * The JSON form as a value, for a field stored as a DynamoDB map (audit details). Numbers beyond
 * 2^53 are refused: the document client cannot store them exactly.
 */
export function jsonValue(operation: string, field: string, value: unknown): unknown {
  const parsed: unknown = JSON.parse(jsonText(operation, field, value));
  const unsafe = (inner: unknown): boolean =>
    typeof inner === "number"
      ? Number.isInteger(inner) && !Number.isSafeInteger(inner)
      : typeof inner === "object" && inner !== null && Object.values(inner).some(unsafe);
  if (unsafe(parsed)) throw new ValidationError(operation, [`${field}: has an integer beyond 2^53; send it as a string`]);
  return parsed;
}

/**
 * Why `value` is not plain JSON, one problem per offending path (at most 10), or none. For values
 * compared rather than stored (idempotency request parameters): JSON.stringify would silently make
 * NaN and Infinity `null`, a Date its ISO string, a bigint (here) its decimal string, a Map `{}`,
 * so distinct requests would share a fingerprint. An `undefined` object property is allowed: it is
 * omitted, as in JSON (`{ a: undefined }` is `{}`).
 */
export function plainJsonProblems(field: string, value: unknown): string[] {
  const problems: string[] = [];
  const seen = new Set<object>();
  const visit = (path: string, inner: unknown): void => {
    if (problems.length >= 10) return;
    if (inner === null || typeof inner === "string" || typeof inner === "boolean") return;
    if (typeof inner === "number") {
      if (!Number.isFinite(inner)) problems.push(`${path}: ${String(inner)} is not JSON; send null or a string`);
      return;
    }
    if (typeof inner === "bigint") {
      problems.push(`${path}: a bigint is not JSON; send it as a string or a number`);
      return;
    }
    if (typeof inner !== "object") {
      problems.push(`${path}: ${inner === undefined ? "undefined" : `a ${typeof inner}`} is not JSON`);
      return;
    }
    if (seen.has(inner)) {
      problems.push(`${path}: a cycle is not JSON`);
      return;
    }
    const prototype = Object.getPrototypeOf(inner) as unknown;
    if (Array.isArray(inner)) {
      seen.add(inner);
      inner.forEach((element, index) => visit(`${path}[${index}]`, element));
    } else if (prototype === Object.prototype || prototype === null) {
      seen.add(inner);
      for (const [name, element] of Object.entries(inner)) if (element !== undefined) visit(`${path}.${name}`, element);
    } else {
      problems.push(
        inner instanceof Date
          ? `${path}: a Date is not plain JSON; send its toISOString()`
          : `${path}: a ${(inner.constructor as { name?: string } | undefined)?.name ?? "non-plain object"} is not plain JSON`,
      );
      return;
    }
    seen.delete(inner);
  };
  visit(field, value);
  return problems;
}

/** JSON.stringify with object keys sorted at every level: equal for equal values whatever the key order. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
