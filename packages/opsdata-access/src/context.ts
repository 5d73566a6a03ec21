/**
 * What every concept module shares: the document client, table names, clock, capacity reporting,
 * and the three primitives every operation is built from: a read, a conditional write whose failed
 * condition comes back as the item it failed on, and one page of a Query. Every SDK error leaves
 * here typed (errors.ts) with the SDK's error as its cause.
 */
import { ConditionalCheckFailedException, type ConsumedCapacity, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { Checks } from "./checks";
import { DynamoDbError, ItemTooLargeError, ThrottledError } from "./errors";
import { MAX_ITEM_BYTES } from "./item-size";
import { decodeCursor, encodeCursor, type CursorScope, type Page } from "./paging";
import type { TableNames } from "./tables";
import { DEFAULT_CLOCK_SKEW_TOLERANCE_SECONDS, MAX_CLOCK_SKEW_TOLERANCE_SECONDS, epochSeconds } from "./time";

export interface ContextOptions {
  /**
   * Called after each DynamoDB request with the operation's name (e.g. "idempotency.claim") and the
   * capacity units it consumed (ReturnConsumedCapacity=TOTAL). An operation that makes several
   * requests reports each. It runs isolated: what it throws never reaches the operation.
   * @default not reported
   */
  readonly onCapacity?: (operation: string, capacityUnits: number) => void;
  /** Receives what a callback (onCapacity) threw. @default process.emitWarning */
  readonly onCallbackError?: (error: unknown) => void;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** See DEFAULT_CLOCK_SKEW_TOLERANCE_SECONDS; the same in every service sharing the tables. @default 120 */
  readonly clockSkewToleranceSeconds?: number;
}

/** The outcome of a conditional write: done, or the item as it was when the condition failed (undefined: no item). */
export type ConditionalResult = { readonly ok: true } | { readonly ok: false; readonly current: Record<string, unknown> | undefined };

type Conditioned = { readonly ConditionExpression: string };
export type ConditionalRequest =
  | { put: Omit<PutCommandInput, "ReturnConsumedCapacity"> & Conditioned }
  | { update: Omit<UpdateCommandInput, "ReturnConsumedCapacity"> & Conditioned }
  | { delete: Omit<DeleteCommandInput, "ReturnConsumedCapacity"> & Conditioned };

/** Items whose `expires_at` has passed are gone for readers, whether or not TTL has deleted them yet. */
const NOT_EXPIRED = "(attribute_not_exists(expires_at) OR expires_at > :now)";

/**
 * DynamoDB's throttling errors ("Error handling with DynamoDB", error messages and codes:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 * The SDK marks them retryable with `$retryable.throttling` and retries them itself first.
 */
const THROTTLING_ERRORS = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

/** Connection failures the SDK gives up on: the same request may work later. */
const TRANSIENT_NETWORK_ERRORS = new Set(["TimeoutError", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

export class Context {
  readonly documents: DynamoDBDocumentClient;
  readonly clock: () => Date;
  readonly skewSeconds: number;

  constructor(
    client: DynamoDBClient,
    readonly tables: TableNames,
    private readonly options: ContextOptions = {},
  ) {
    // Our items never hold undefined; callers' values are normalised to JSON first (json-value.ts).
    this.documents = DynamoDBDocumentClient.from(client);
    this.clock = options.clock ?? (() => new Date());
    this.skewSeconds = options.clockSkewToleranceSeconds ?? DEFAULT_CLOCK_SKEW_TOLERANCE_SECONDS;
    const checks = new Checks("OpsDataAccess options");
    checks.wholeNumber("clockSkewToleranceSeconds", this.skewSeconds, 0, MAX_CLOCK_SKEW_TOLERANCE_SECONDS);
    for (const [field, value] of Object.entries(tables ?? {})) checks.text(`tables.${field}`, value, { maxBytes: 255 });
    if (!tables) checks.add('tables: required, e.g. tableNamesWithPrefix("opsdata_prod_")');
    checks.throwIfAny();
  }

  now(): number {
    return epochSeconds(this.clock());
  }

  expired(expiresAt: unknown): boolean {
    return typeof expiresAt === "number" && expiresAt <= this.now();
  }

  private report(operation: string, consumed: ConsumedCapacity | undefined): void {
    if (!this.options.onCapacity) return;
    try {
      this.options.onCapacity(operation, consumed?.CapacityUnits ?? 0);
    } catch (error) {
      this.callbackFailed(error);
    }
  }

  private callbackFailed(error: unknown): void {
    try {
      if (this.options.onCallbackError) this.options.onCallbackError(error);
      else process.emitWarning(`opsdata-access: onCapacity threw: ${error instanceof Error ? error.message : String(error)}`);
    } catch {
      // A throwing error handler is ignored too: callbacks never change an operation's outcome.
    }
  }

  /** Sends one command; every failure becomes ThrottledError, ItemTooLargeError or DynamoDbError. */
  private async send<T extends { ConsumedCapacity?: ConsumedCapacity }>(operation: string, request: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await request();
    } catch (error) {
      throw this.typed(operation, error);
    }
    this.report(operation, result.ConsumedCapacity);
    return result;
  }

  typed(operation: string, error: unknown): Error {
    if (error instanceof ConditionalCheckFailedException) return error;
    const sdk = error as {
      name?: string;
      code?: string;
      message?: string;
      $retryable?: { throttling?: boolean };
      $metadata?: { httpStatusCode?: number };
    };
    if (THROTTLING_ERRORS.has(sdk?.name ?? "") || sdk?.$retryable?.throttling) return new ThrottledError(operation, error);
    if (sdk?.name === "ValidationException" && /item size/i.test(sdk.message ?? "")) {
      return new ItemTooLargeError(operation, "item", MAX_ITEM_BYTES + 1, MAX_ITEM_BYTES);
    }
    const status = sdk?.$metadata?.httpStatusCode;
    const retryable =
      Boolean(sdk?.$retryable) || (status !== undefined && status >= 500) || TRANSIENT_NETWORK_ERRORS.has(sdk?.code ?? sdk?.name ?? "");
    return new DynamoDbError(operation, error, retryable);
  }

  async get(
    operation: string,
    table: string,
    key: Record<string, unknown>,
    consistentRead: boolean,
  ): Promise<Record<string, unknown> | undefined> {
    const result = await this.send(operation, () =>
      this.documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: consistentRead, ReturnConsumedCapacity: "TOTAL" })),
    );
    return result.Item;
  }

  /**
   * A Put, Update or Delete with a ConditionExpression. A failed condition returns the item as it
   * was (ReturnValuesOnConditionCheckFailure=ALL_OLD: the same call, no extra read) so the caller
   * can say why.
   */
  async conditional(operation: string, request: ConditionalRequest): Promise<ConditionalResult> {
    const common = { ReturnConsumedCapacity: "TOTAL", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } as const;
    try {
      await this.send(operation, () =>
        "put" in request
          ? this.documents.send(new PutCommand({ ...request.put, ...common }))
          : "update" in request
            ? this.documents.send(new UpdateCommand({ ...request.update, ...common }))
            : this.documents.send(new DeleteCommand({ ...request.delete, ...common })),
      );
      return { ok: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // A failed condition still costs write capacity (1 WCU per KB), but DynamoDB reports no
        // ConsumedCapacity on the error, so nothing is reported. Returning the item costs no read
        // capacity ("No read capacity units are consumed": ReturnValuesOnConditionCheckFailure in
        // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html).
        return { ok: false, current: error.Item ? unmarshall(error.Item) : undefined };
      }
      throw error;
    }
  }

  /**
   * One page of a Query (never a Scan), dropping expired items: follows DynamoDB's pages until
   * `limit` items or the end (Limit counts items before the filter), and returns a cursor bound to
   * the operation and partition when more may follow.
   */
  async queryPage(
    scope: CursorScope,
    page: { limit: number; cursor?: string },
    input: Omit<QueryCommandInput, "ExclusiveStartKey" | "Limit" | "FilterExpression" | "ReturnConsumedCapacity">,
  ): Promise<Page<Record<string, unknown>>> {
    const items: Record<string, unknown>[] = [];
    let startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, scope);
    do {
      const result = await this.send(scope.operation, () =>
        this.documents.send(
          new QueryCommand({
            ...input,
            FilterExpression: NOT_EXPIRED,
            ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ":now": this.now() },
            ExclusiveStartKey: startKey,
            Limit: page.limit - items.length,
            ReturnConsumedCapacity: "TOTAL",
          }),
        ),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey && items.length < page.limit);
    return { items, cursor: startKey ? encodeCursor(scope, startKey) : undefined };
  }
}

/** Every item of a paged list, page after page. */
export async function* iterate<T>(list: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    yield* page.items;
    cursor = page.cursor;
  } while (cursor);
}
