/**
 * Typed errors of the access library. Every failed condition of a conditional write becomes one of
 * these (never a raw SDK `ConditionalCheckFailedException`), so callers branch on `instanceof`.
 */

/** Base class: `code` is stable for logs and metrics. */
export abstract class OpsDataError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The item does not exist (or has expired: readers treat `expires_at <= now` as gone). */
export class NotFoundError extends OpsDataError {
  readonly code = "NOT_FOUND";
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(`${table}: no item ${key} (it does not exist or has expired)`);
  }
}

/** The write lost to another writer or would overwrite an existing item. */
export class ConflictError extends OpsDataError {
  readonly code: string = "CONFLICT";
}

/** A state machine refused the transition (e.g. a terminal webhook state, a completed idempotency record). */
export class InvalidTransitionError extends OpsDataError {
  readonly code = "INVALID_TRANSITION";
  constructor(
    readonly table: string,
    readonly key: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${table}: ${key} cannot go from "${from}" to "${to}"`);
  }
}

/** The same idempotency key was sent with different parameters (their fingerprints differ). */
export class IdempotencyPayloadMismatchError extends ConflictError {
  override readonly code = "IDEMPOTENCY_PAYLOAD_MISMATCH";
  constructor(readonly key: string) {
    super(`idempotency key ${key} was already used with different request parameters; use a new key for a different request`);
  }
}

/** The caller's lease (claim token or webhook lease) is no longer the current one: another worker took over. */
export class LeaseLostError extends ConflictError {
  override readonly code = "LEASE_LOST";
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(`${table}: the lease on ${key} is held by someone else (it lapsed and was reclaimed, or the token is wrong)`);
  }
}

/** An item would exceed DynamoDB's item size limit; nothing was written. */
export class ItemTooLargeError extends OpsDataError {
  readonly code = "ITEM_TOO_LARGE";
  constructor(
    readonly table: string,
    readonly field: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `${table}: the item would be about ${bytes} bytes with its ${field}; DynamoDB's item limit is ${limitBytes} bytes. ` +
        `Store a smaller ${field} (e.g. put large bodies in S3 and keep a reference).`,
    );
  }
}

/** Bad input from the caller, named by field; nothing was written. */
export class ValidationError extends OpsDataError {
  readonly code = "VALIDATION";
  constructor(
    readonly context: string,
    readonly problems: readonly string[],
  ) {
    super(`${context}: ${problems.join("; ")}`);
  }
}
