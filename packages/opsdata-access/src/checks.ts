/** Input checks shared by every operation: each returns a problem naming the field, or nothing. */
import { ValidationError } from "./errors";

/** DynamoDB's limit on a partition key value ("Quotas in Amazon DynamoDB": Partition key length). */
export const MAX_PARTITION_KEY_BYTES = 2048;
/** Most bytes of a caller-supplied id or short text (account ids, service names, actions, ...). */
export const MAX_ID_BYTES = 512;
/** Retention and windows: at most ten years (TTL ignores expiry times more than five years in the past). */
export const MAX_RETENTION_SECONDS = 10 * 365 * 24 * 3600;

export class Checks {
  readonly problems: string[] = [];

  constructor(private readonly operation: string) {}

  /**
   * A non-empty, well-formed string of at most `maxBytes` UTF-8 bytes; `noHash`: without "#" (it
   * separates key parts). Ill-formed (a lone surrogate) is refused: DynamoDB stores it as U+FFFD, so
   * two different ids would become one key. `illFormedAllowed` only for free text that is no key part.
   */
  text(field: string, value: unknown, options: { maxBytes?: number; noHash?: boolean; illFormedAllowed?: boolean } = {}): this {
    const maxBytes = options.maxBytes ?? MAX_ID_BYTES;
    if (typeof value !== "string" || value.trim() === "") this.problems.push(`${field}: required, a non-empty string`);
    else if (!options.illFormedAllowed && !isWellFormed(value))
      this.problems.push(`${field}: not well-formed Unicode (a lone surrogate, e.g. half of an emoji); pass a well-formed string`);
    else if (Buffer.byteLength(value) > maxBytes)
      this.problems.push(`${field}: at most ${maxBytes} bytes (got ${Buffer.byteLength(value)})`);
    else if (options.noHash && value.includes("#")) this.problems.push(`${field}: must not contain "#" (got "${value}")`);
    return this;
  }

  wholeNumber(field: string, value: unknown, min: number, max: number, unit = "seconds"): this {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${field}: a whole number of ${unit} from ${min} to ${max} (got ${String(value)})`);
    }
    return this;
  }

  date(field: string, value: unknown): value is Date {
    const valid = value instanceof Date && !Number.isNaN(value.getTime());
    if (!valid) this.problems.push(`${field}: a valid Date (got ${String(value)})`);
    return valid;
  }

  add(problem: string): this {
    this.problems.push(problem);
    return this;
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new ValidationError(this.operation, this.problems);
  }
}

/** String.prototype.isWellFormed (ES2024; our lib is ES2022): with the u flag, \p{Cs} matches only lone surrogates. */
export function isWellFormed(value: string): boolean {
  return !/\p{Cs}/u.test(value);
}

/** String.prototype.toWellFormed: each lone surrogate becomes U+FFFD (what DynamoDB would store). */
export function toWellFormed(value: string): string {
  return value.replace(/\p{Cs}/gu, "\uFFFD");
}

/** A plain object argument (the call shape every operation takes). */
export function assertObject(operation: string, field: string, value: unknown): void {
  if (typeof value !== "object" || value === null) throw new ValidationError(operation, [`${field}: pass an object`]);
}
