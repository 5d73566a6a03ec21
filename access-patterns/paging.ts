/**
 * Explicit paging: a list returns at most `limit` items and a `cursor` when more may follow; the
 * `iterate…` methods follow every page. A cursor is the query's LastEvaluatedKey, bound to the
 * partition it was issued for: a cursor presented with another partition (another account) is
 * refused, so it can never start a read in a partition the caller did not ask for.
 */
import { ValidationError } from "./errors";

/** The items of one page, still an array (so existing callers keep working), plus where to continue. */
export type Page<T> = T[] & {
  /** Pass back as `cursor` to read the next page; undefined when the list is complete. */
  readonly cursor: string | undefined;
};

export interface PageOptions {
  /** Most items in this page. @default the method's documented default */
  readonly limit?: number;
  /** The `cursor` of the previous page. @default the first page */
  readonly cursor?: string;
}

/** Old call shape `list(x, limit)` and new `list(x, { limit, cursor })`. */
export function pageOptions(options: number | PageOptions | undefined, defaultLimit: number): { limit: number; cursor?: string } {
  const { limit = defaultLimit, cursor } = typeof options === "number" ? { limit: options } : (options ?? {});
  if (!Number.isInteger(limit) || limit < 1) throw new ValidationError("page", [`limit: must be a whole number >= 1 (got ${limit})`]);
  return { limit, cursor };
}

export const asPage = <T>(items: T[], cursor: string | undefined): Page<T> => Object.assign(items, { cursor });

interface CursorBody {
  /** The partition key attribute and value the cursor belongs to. */
  p: [string, string];
  k: Record<string, unknown>;
}

export function encodeCursor(partition: [string, string], lastEvaluatedKey: Record<string, unknown>): string {
  const body: CursorBody = { p: partition, k: lastEvaluatedKey };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

/** The ExclusiveStartKey of a cursor, after checking it belongs to this partition. */
export function decodeCursor(cursor: string, partition: [string, string]): Record<string, unknown> {
  let body: CursorBody;
  try {
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorBody;
  } catch {
    throw new ValidationError("page", ["cursor: not a cursor returned by this library; pass the `cursor` of the previous page"]);
  }
  const [attribute, value] = partition;
  const valid =
    Array.isArray(body?.p) &&
    body.p[0] === attribute &&
    body.p[1] === value &&
    body.k &&
    typeof body.k === "object" &&
    body.k[attribute] === value;
  if (!valid) throw new ValidationError("page", [`cursor: issued for another ${attribute} or query; start again without a cursor`]);
  return body.k;
}
