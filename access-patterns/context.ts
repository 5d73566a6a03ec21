/**
 * What every concept module shares: the document client, table names, clock, capacity reporting,
 * and the two primitives every pattern is built from (a read, and a conditional write whose
 * failure comes back as the item it failed on instead of a raw SDK error).
 */
import { ConditionalCheckFailedException, type ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { apiKeys } from "../tables/api-keys";
import { auditLogs } from "../tables/audit-logs";
import { idempotencyKeys } from "../tables/idempotency-keys";
import { webhookEvents } from "../tables/webhook-events";
import { ItemTooLargeError } from "./errors";
import { MAX_ITEM_BYTES } from "./item-size";
import { epochSeconds } from "./keys";
import { asPage, decodeCursor, encodeCursor, type Page } from "./paging";

/** Physical table names, e.g. from the stack outputs `<table>_table_name`. */
export interface TableNames {
  readonly apiKeys: string;
  readonly idempotencyKeys: string;
  readonly webhookEvents: string;
  readonly auditLogs: string;
}

export const tableNamesWithPrefix = (prefix: string): TableNames => ({
  apiKeys: `${prefix}${apiKeys.id}`,
  idempotencyKeys: `${prefix}${idempotencyKeys.id}`,
  webhookEvents: `${prefix}${webhookEvents.id}`,
  auditLogs: `${prefix}${auditLogs.id}`,
});

/** Index names, from the table definitions (plain data, no cdktf) so they cannot drift. */
export const INDEXES = {
  apiKeysByAccount: apiKeys.globalIndexes[0].name,
  idempotencyKeysByAccount: idempotencyKeys.globalIndexes[0].name,
  webhookEventsDue: webhookEvents.globalIndexes[0].name,
  auditLogsByActor: auditLogs.globalIndexes[0].name,
} as const;

export interface ContextOptions {
  /** Called with each pattern's consumed capacity units (ReturnConsumedCapacity=TOTAL). @default not reported */
  readonly onCapacity?: (pattern: string, capacityUnits: number) => void;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** An item as stored by a claim or lease: `lease_token` is the holder's proof, never shown to a reader. */
export type Leased<T> = T & { lease_token?: string };

/** The item without its `lease_token` (every read that returns a claimed or leased item goes through this). */
export function withoutLeaseToken<T extends object>(stored: Leased<T>): T {
  const item = { ...stored };
  delete item.lease_token;
  return item;
}

/** The outcome of a conditional write: done, or the item as it was when the condition failed (undefined: no item). */
export type ConditionalResult<T> = { readonly ok: true } | { readonly ok: false; readonly current: T | undefined };

type Conditioned = { readonly ConditionExpression: string };

const NOT_EXPIRED = "(attribute_not_exists(expires_at) OR expires_at > :now)";

export class Context {
  readonly clock: () => Date;

  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tables: TableNames,
    private readonly options: ContextOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  now(): number {
    return epochSeconds(this.clock());
  }

  expired(expiresAt: number | undefined): boolean {
    return expiresAt !== undefined && expiresAt <= this.now();
  }

  record(pattern: string, consumed: ConsumedCapacity | undefined): void {
    this.options.onCapacity?.(pattern, consumed?.CapacityUnits ?? 0);
  }

  async get<T>(pattern: string, table: string, key: Record<string, unknown>): Promise<T | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: table, Key: key, ReturnConsumedCapacity: "TOTAL" }));
    this.record(pattern, result.ConsumedCapacity);
    return result.Item as T | undefined;
  }

  /**
   * A Put, Update or Delete with a ConditionExpression. A failed condition returns the item as it
   * was (ReturnValuesOnConditionCheckFailure=ALL_OLD: the same call, no extra read) so the caller
   * can say why; DynamoDB's item-size refusal becomes ItemTooLargeError.
   */
  async conditional<T>(
    pattern: string,
    // ConditionExpression is required by the type: no write here is unconditional.
    request:
      | { put: Omit<PutCommandInput, "ReturnConsumedCapacity"> & Conditioned }
      | { update: Omit<UpdateCommandInput, "ReturnConsumedCapacity"> & Conditioned }
      | { delete: Omit<DeleteCommandInput, "ReturnConsumedCapacity"> & Conditioned },
    sizedField = "item",
  ): Promise<ConditionalResult<T>> {
    const common = { ReturnConsumedCapacity: "TOTAL", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } as const;
    const table = "put" in request ? request.put.TableName : "update" in request ? request.update.TableName : request.delete.TableName;
    try {
      const result =
        "put" in request
          ? await this.client.send(new PutCommand({ ...request.put, ...common }))
          : "update" in request
            ? await this.client.send(new UpdateCommand({ ...request.update, ...common }))
            : await this.client.send(new DeleteCommand({ ...request.delete, ...common }));
      this.record(pattern, result.ConsumedCapacity);
      return { ok: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // A failed condition still costs write capacity (1 WCU per KB), but DynamoDB reports no
        // ConsumedCapacity on the error, so nothing is recorded. Returning the item costs no read
        // capacity ("No read capacity units are consumed": ReturnValuesOnConditionCheckFailure in
        // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html; Powertools
        // dropped its follow-up read for it: aws-powertools/powertools-lambda-typescript#1573).
        return { ok: false, current: error.Item ? (unmarshall(error.Item) as T) : undefined };
      }
      if (error instanceof Error && error.name === "ValidationException" && /item size/i.test(error.message)) {
        throw new ItemTooLargeError(table ?? "", sizedField, MAX_ITEM_BYTES + 1, MAX_ITEM_BYTES);
      }
      throw error;
    }
  }

  /**
   * One page of a Query (never a Scan), dropping expired items: follows DynamoDB's pages until
   * `limit` items or the end, and returns a cursor bound to the queried partition when more may follow.
   */
  async queryPage<T>(
    pattern: string,
    partition: [string, string],
    page: { limit: number; cursor?: string },
    input: QueryCommandInput,
  ): Promise<Page<T>> {
    const items: T[] = [];
    let capacity = 0;
    let startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, partition);
    do {
      const result = await this.client.send(
        new QueryCommand({
          ...input,
          FilterExpression: NOT_EXPIRED,
          ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ":now": this.now() },
          ExclusiveStartKey: startKey,
          Limit: page.limit - items.length,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      capacity += result.ConsumedCapacity?.CapacityUnits ?? 0;
      items.push(...((result.Items ?? []) as T[]));
      startKey = result.LastEvaluatedKey;
    } while (startKey && items.length < page.limit);
    this.options.onCapacity?.(pattern, capacity);
    return asPage(items, startKey ? encodeCursor(partition, startKey) : undefined);
  }

  /** Every item of a paged list, page after page. */
  async *iterate<T>(list: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const page = await list(cursor);
      yield* page;
      cursor = page.cursor;
    } while (cursor);
  }
}
