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
