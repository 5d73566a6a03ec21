/**
 * Usage as data: `cost/usage/<env>.json`, what the config cannot say (item counts and sizes, requests
 * per month). Everything the config and these numbers determine is derived, not asked for (archive
 * records from writes and TTL expiries, S3 objects from Firehose's buffer, stored bytes from record
 * counts), so the file cannot contradict the model. Every value is an assumption until its path is
 * listed under `measured`; the estimate prints which values it relied on unmeasured.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "../config/zod";
import { CostInputError } from "./errors";
import { projectRoot } from "../stacks/project-root";

const count = z
  .number({ error: "must be a number (a count, not a string)" })
  .finite("must be a finite number")
  .nonnegative("must not be negative");
const share = z
  .number({ error: "must be a number between 0 and 1" })
  .min(0, "must be between 0 and 1 (a fraction)")
  .max(1, "must be between 0 and 1 (a fraction)");
const bytes = z
  .number({ error: "must be a number of bytes" })
  .positive("must be above 0 bytes")
  .max(400 * 1024, "must be at most 409600 bytes (DynamoDB's item size limit)");

/** Names the unknown field and the fix (zod's default only says "Unrecognized key"). */
const unknownFields = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys" ? `unknown field(s) ${(issue.keys ?? []).join(", ")}; remove them or fix the name` : undefined,
};

/** Archive numbers earlier usage files gave and the estimate now derives (S3 PUTs, stored bytes, Kinesis and Firehose volumes). */
const DERIVED_ARCHIVE_FIELDS = ["s3StoredGB", "s3PutRequestsPerMonth", "kinesisDataInGBPerMonth", "firehoseIngestedGBPerMonth"];

const indexUsage = z.strictObject(
  {
    /** Fraction of the table's items that carry the index keys (so are in the index). 1 for a full index. */
    itemShare: share,
    /** Fraction of the table's writes that also write the index (put, update of a projected attribute, or removal). */
    writeShare: share,
    /** Average size of an index entry: the item for ALL, keys + projected attributes for INCLUDE/KEYS_ONLY. */
    averageProjectedBytes: bytes,
    /** Reads (Query/Scan items returned) against the index per month. */
    readsPerMonth: count,
  },
  unknownFields,
);

const tableUsage = z.strictObject(
  {
    /** Items in the table at steady state (TTL keeps it there). */
    itemCount: count,
    averageItemBytes: bytes,
    /** Items created per month: what TTL later deletes (each expiry a change record billed downstream). */
    newItemsPerMonth: count,
    /** Strongly consistent item reads per month. */
    readsPerMonth: count,
    /** Item writes (puts, updates, deletes) per month. */
    writesPerMonth: count,
    /** GetRecords calls by non-Lambda consumers of the table's stream (Lambda triggers are free). @default 0 */
    streamReadRequestsPerMonth: count.default(0),
    /**
     * Average size of one change record as Kinesis receives it from the table's Kinesis streaming
     * destination (item image as DynamoDB JSON plus metadata; CloudWatch IncomingBytes / IncomingRecords).
     * Required when the table streams to Kinesis.
     */
    changeRecordBytes: z
      .number({ error: "must be a number of bytes" })
      .positive("must be above 0 bytes")
      .max(1024 * 1024, "must be at most 1048576 bytes (Kinesis's record size limit)")
      .optional(),
    /** Per GSI, by index name. */
    indexes: z.record(z.string(), indexUsage).default({}),
  },
  unknownFields,
);

const usageFile = z.strictObject(
  {
    $assumptions: z.string().optional(),
    /** Paths (e.g. "tables.api_keys.itemCount") whose values were measured; all others are assumptions. */
    measured: z.array(z.string()).default([]),
    tables: z.record(z.string(), tableUsage, { error: "required: usage per table id" }),
    /** The audit archive path, when the stack has one. Each field is required once its resource exists. */
    archive: z
      .strictObject(
        {
          /** Compressed size / raw size of what Firehose writes to S3 (GZIP on JSON lines is typically 0.1-0.2). */
          compressionRatio: share.optional(),
          /**
           * Months the archive has been written: a bucket holds that much, or less when its lifecycle
           * expires objects sooner; decides the storage tiers' sizes.
           */
          monthsArchived: count.optional(),
          pipeRequestsPerMonth: count.optional(),
        },
        {
          error: (issue: { code?: string; keys?: string[] }) => {
            if (issue.code !== "unrecognized_keys") return undefined;
            const derived = (issue.keys ?? []).filter((key) => DERIVED_ARCHIVE_FIELDS.includes(key));
            return derived.length > 0
              ? `${derived.join(", ")}: no longer asked for, derived from the stack and the tables' usage (docs/cost.md); remove them`
              : unknownFields.error(issue);
          },
        },
      )
      .default({}),
    notifications: z.strictObject({ snsPublishesPerMonth: count.optional() }, unknownFields).default({}),
  },
  unknownFields,
);

export type TableUsage = z.infer<typeof tableUsage>;
export type IndexUsage = z.infer<typeof indexUsage>;
export interface Usage extends z.infer<typeof usageFile> {
  /** The file it was read from, for messages. */
  readonly file: string;
}

export const USAGE_DIRECTORY = join(projectRoot(), "cost", "usage");

export function usageFilePath(environment: string, directory = USAGE_DIRECTORY): string {
  return join(directory, `${environment}.json`);
}

/** Parses a usage document; `file` names it in every message. */
export function parseUsage(document: unknown, file: string): Usage {
  const parsed = usageFile.safeParse(document);
  if (!parsed.success) {
    throw new CostInputError(
      parsed.error.issues.map((issue) => `${file}: ${issue.path.map(String).join(".") || "(file)"}: ${issue.message}`).join("\n"),
    );
  }
  return { ...parsed.data, file };
}

/** Reads `<directory>/<environment>.json`. */
export function loadUsage(environment: string, directory = USAGE_DIRECTORY): Usage {
  const file = usageFilePath(environment, directory);
  if (!existsSync(file)) {
    throw new CostInputError(`${file}: no usage file for environment ${environment}; copy cost/usage/dev.json and fill in its numbers`);
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CostInputError(`${file}: not valid JSON (${(error as Error).message}); fix the syntax`);
  }
  return parseUsage(document, file);
}
