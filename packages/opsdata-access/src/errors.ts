/**
 * The library's errors: thrown only for a caller's mistake (ValidationError, ItemTooLargeError) or
 * when DynamoDB did not do the request (ThrottledError, DynamoDbError, each with the SDK error as
 * `cause`). Every expected outcome of an operation (a lost race, an expired lease, a duplicate) is
 * a result with an `outcome` field, never an error.
 */

/** Base class: `code` is stable for logs and metrics; `retryable` says whether the same call may succeed later. */
export abstract class OpsDataError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input, named by field; nothing was sent to DynamoDB. Not retryable: fix the call. */
export class ValidationError extends OpsDataError {
  readonly code = "VALIDATION";
  readonly retryable = false;
  constructor(
    /** The operation, e.g. "idempotency.claim". */
    readonly operation: string,
    readonly problems: readonly string[],
  ) {
    super(`${operation}: ${problems.join("; ")}`);
  }
}

/**
 * The item would exceed DynamoDB's 400 KB item limit (or, for a webhook event, that limit less the
 * room its later state needs: MAX_WEBHOOK_EVENT_BYTES); nothing was written. Not retryable.
 */
export class ItemTooLargeError extends OpsDataError {
  readonly code = "ITEM_TOO_LARGE";
  readonly retryable = false;
  constructor(
    readonly operation: string,
    readonly field: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `${operation}: the item would be about ${bytes} bytes with its ${field}; the limit is ${limitBytes} bytes. ` +
        `Store a smaller ${field} (e.g. put large bodies in S3 and keep a reference).`,
    );
  }
}

/**
 * A stored item the library cannot read (e.g. a webhook payload that is not JSON, written by
 * something other than this library). Reported per item (a lease attempt, a listed page's
 * `malformed`), never for a whole call; nothing was changed on it. Not retryable: fix or delete the item.
 */
export class MalformedRecordError extends OpsDataError {
  readonly code = "MALFORMED_RECORD";
  readonly retryable = false;
  constructor(
    readonly operation: string,
    /** The item's key value, e.g. the event id. */
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${operation}: stored item ${JSON.stringify(key)} cannot be read: ${problem}`);
  }
}

/**
 * DynamoDB throttled the request (after the SDK's own retries): the table or index is over its
 * capacity. Retry after a backoff. Nothing was changed by the throttled request; an operation that
 * had already written (a lease batch) returns what it wrote instead of throwing.
 */
export class ThrottledError extends OpsDataError {
  readonly code = "THROTTLED";
  readonly retryable = true;
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`${operation}: DynamoDB throttled the request (${errorName(cause)}); retry after a backoff`, { cause });
  }
}

/** Any other failure of a DynamoDB request; `cause` is the SDK's error. */
export class DynamoDbError extends OpsDataError {
  readonly code = "DYNAMODB";
  readonly retryable: boolean;
  /** The SDK error's name, e.g. "ResourceNotFoundException". */
  readonly awsErrorName: string;
  constructor(
    readonly operation: string,
    cause: unknown,
    retryable: boolean,
  ) {
    super(`${operation}: DynamoDB request failed: ${errorName(cause)}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.awsErrorName = errorName(cause);
    this.retryable = retryable;
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
