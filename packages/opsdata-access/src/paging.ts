/**
 * Explicit paging: a list returns at most `limit` items and a `cursor` when more may follow
 * (`OpsDataAccess.iterate` follows every page). A cursor is the query's LastEvaluatedKey, bound to
 * the operation and partition it was issued for and checked to hold exactly that query's key
 * attributes: any other cursor is a ValidationError before DynamoDB is asked.
 */
import { ValidationError } from "./errors";

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `cursor` to read the next page; undefined when the list is complete. */
  readonly cursor: string | undefined;
}

export interface PageOptions {
  /** Most items in this page. @default the operation's documented default */
  readonly limit?: number;
  /** The `cursor` of the previous page. @default the first page */
  readonly cursor?: string;
}

/** Most items one page may ask for. */
export const MAX_PAGE_LIMIT = 1000;

export function pageOptions(operation: string, options: PageOptions | undefined, defaultLimit: number): { limit: number; cursor?: string } {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new ValidationError(operation, ["options: pass { limit?, cursor? }"]);
  }
  const { limit = defaultLimit, cursor } = options ?? {};
  const problems: string[] = [];
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    problems.push(`limit: a whole number from 1 to ${MAX_PAGE_LIMIT} (got ${String(limit)})`);
  }
  if (cursor !== undefined && typeof cursor !== "string") problems.push("cursor: the `cursor` string of the previous page");
  if (problems.length > 0) throw new ValidationError(operation, problems);
  return { limit, cursor };
}

/**
 * What a cursor is bound to: the operation, the partition key attribute and value, the query's key
 * attributes and, for a ranged list (audit trails), the range's bounds as the query states them.
 */
export interface CursorScope {
  readonly operation: string;
  readonly partition: readonly [string, string];
  readonly keyAttributes: readonly string[];
  readonly range?: readonly [string, string];
}

interface CursorBody {
  o: string;
  p: [string, string];
  r?: [string, string];
  k: Record<string, unknown>;
}

export function encodeCursor(scope: CursorScope, lastEvaluatedKey: Record<string, unknown>): string {
  const body: CursorBody = {
    o: scope.operation,
    p: [scope.partition[0], scope.partition[1]],
    ...(scope.range ? { r: [scope.range[0], scope.range[1]] } : {}),
    k: lastEvaluatedKey,
  };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

/** The ExclusiveStartKey of a cursor, after checking it belongs to this operation and partition. */
export function decodeCursor(cursor: string, scope: CursorScope): Record<string, unknown> {
  let body: CursorBody;
  try {
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorBody;
  } catch {
    throw new ValidationError(scope.operation, ["cursor: not a cursor returned by this library; pass the `cursor` of the previous page"]);
  }
  const [attribute, value] = scope.partition;
  // Anything may be in a forged cursor (k: null, a list, a number): check shapes before reading them.
  const keyIsMap = typeof body?.k === "object" && body.k !== null && !Array.isArray(body.k);
  const keys = keyIsMap ? Object.keys(body.k).sort() : [];
  const valid =
    keyIsMap &&
    body.o === scope.operation &&
    Array.isArray(body.p) &&
    body.p[0] === attribute &&
    body.p[1] === value &&
    body.k[attribute] === value &&
    JSON.stringify(keys) === JSON.stringify([...new Set(scope.keyAttributes)].sort()) &&
    Object.values(body.k).every((part) => typeof part === "string" || typeof part === "number");
  if (!valid) {
    throw new ValidationError(scope.operation, [`cursor: issued for another ${attribute} or another list; start again without a cursor`]);
  }
  // Another range's cursor would resume at a key outside (or before) this range.
  if (JSON.stringify(body.r ?? null) !== JSON.stringify(scope.range ?? null)) {
    throw new ValidationError(scope.operation, [
      "cursor: issued for another from/to range; pass the same from and to as for the first page, or start again without a cursor",
    ]);
  }
  return body.k;
}
