/**
 * AWS's billing rules, one named function each, with the AWS page it implements. The estimate
 * (estimate.ts) only wires resources and usage to these functions; every rounding and every
 * "what is billed" decision lives here, so each can be checked against its page and tested alone.
 *
 * Sizes are bytes; "GB" in AWS's prices is a binary gigabyte (2^30 bytes), "KB" 1,024 bytes.
 */

/** AWS bills a month as 730 hours (https://aws.amazon.com/dynamodb/pricing/provisioned/ examples). */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** Lifecycle rules count days; a month is a twelfth of a 365-day year. */
export const DAYS_PER_MONTH = 365 / 12;
export const KIB = 1024;
export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

// --- DynamoDB ---------------------------------------------------------------------------------------------------

/**
 * Read units of strongly consistent reads: one per 4 KB of item, rounded up per item.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 */
export function readRequestUnits(reads: number, itemBytes: number): number {
  return reads * Math.ceil(itemBytes / (4 * KIB));
}

/**
 * Write units: one per 1 KB of item, rounded up per write; an index write is sized by the projected entry.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 */
export function writeRequestUnits(writes: number, itemBytes: number): number {
  return writes * Math.ceil(itemBytes / KIB);
}

/** DynamoDB adds 100 bytes per item (and per index entry) to billed storage. */
export const ITEM_OVERHEAD_BYTES = 100;

/**
 * Billed storage in GB: every item plus its 100-byte overhead.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export function dynamoDbStoredGB(items: number, itemBytes: number): number {
  return (items * (itemBytes + ITEM_OVERHEAD_BYTES)) / GIB;
}

export interface ProvisionedFloor {
  /** Capacity units billed every hour at the floor. */
  readonly units: number;
  /** Units the declared traffic needs at the target utilisation (before the min and max apply). */
  readonly required: number;
  /** The declared traffic needs more than the autoscaling max: requests would be throttled. */
  readonly aboveMax: boolean;
}

/**
 * The provisioned capacity autoscaling keeps at least: the larger of its `min` and the declared
 * traffic's average units per second divided by the target utilisation, in whole units, never above
 * `max`. Provisioned capacity is billed per hour whatever is consumed, and target tracking keeps
 * consumed / provisioned at the target.
 * https://aws.amazon.com/dynamodb/pricing/provisioned/ ;
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html
 */
export function provisionedFloorUnits(options: {
  readonly min: number;
  readonly max: number;
  readonly unitsPerMonth: number;
  /** Target utilisation in percent (70 for 70 %). */
  readonly targetUtilizationPercent: number;
}): ProvisionedFloor {
  const perSecond = options.unitsPerMonth / SECONDS_PER_MONTH;
  const required = Math.ceil(perSecond / (options.targetUtilizationPercent / 100));
  return { units: Math.min(options.max, Math.max(options.min, required)), required, aboveMax: required > options.max };
}

/**
 * Item changes a table emits per month: every write, plus every TTL expiry where TTL is on. TTL
 * deletes consume no write capacity, but each is a change record that streams and Kinesis carry.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html ;
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html
 */
export function itemChangesPerMonth(writesPerMonth: number, ttlExpiriesPerMonth: number, ttlEnabled: boolean): number {
  return writesPerMonth + (ttlEnabled ? ttlExpiriesPerMonth : 0);
}

/**
 * Change data capture units of Kinesis Data Streams for DynamoDB: one per 1 KB of the larger of the
 * before and after images, rounded up per change (an insert has only an after image, a TTL expiry
 * only a before image, so each is sized by the item).
 * https://aws.amazon.com/dynamodb/pricing/provisioned/ (Change data capture) ;
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/kds.html
 */
export function changeDataCaptureUnits(changes: number, largerImageBytes: number): number {
  return changes * Math.ceil(largerImageBytes / KIB);
}

export type ContributorInsightsMode = "ACCESSED_AND_THROTTLED_KEYS" | "THROTTLED_KEYS";

/**
 * Contributor Insights rules DynamoDB creates per table or index: most accessed and most throttled
 * partition keys (plus the same two for partition + sort keys when there is a sort key); in
 * THROTTLED_KEYS mode only the most-throttled rules. Each rule is billed per month.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/contributorinsights_HowItWorks.html ;
 * https://aws.amazon.com/cloudwatch/pricing/ (Contributor Insights)
 */
export function contributorInsightsRules(mode: ContributorInsightsMode, hasSortKey: boolean): number {
  const perKeyShape = mode === "THROTTLED_KEYS" ? 1 : 2;
  return perKeyShape * (hasSortKey ? 2 : 1);
}

/**
 * Contributor Insights events: every item read or written in the table or index, two per item when it
 * has a sort key; in THROTTLED_KEYS mode only throttled ones (so its floor is none, its ceiling every request).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-understanding-billing.html (CloudWatch
 * Contributor Insights) ; https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/contributorinsights_HowItWorks.html
 */
export function contributorInsightsEvents(
  mode: ContributorInsightsMode,
  requests: number,
  hasSortKey: boolean,
): { floor: number; ceiling: number } {
  const events = requests * (hasSortKey ? 2 : 1);
  return mode === "THROTTLED_KEYS" ? { floor: 0, ceiling: events } : { floor: events, ceiling: events };
}

// --- Kinesis Data Streams -----------------------------------------------------------------------------------------

/**
 * On-demand data in (and data retrieved): each record rounded up to the next 1 KB.
 * https://aws.amazon.com/kinesis/data-streams/pricing/ (On-Demand: Data-In, Data Retrievals)
 */
export function kinesisBilledGB(records: number, recordBytes: number): number {
  return (records * Math.ceil(recordBytes / KIB) * KIB) / GIB;
}

/** Retention included in the on-demand and shard-hour prices. */
export const KINESIS_INCLUDED_RETENTION_HOURS = 24;
/** Up to this, retention is "extended"; beyond, "long-term" at another rate. */
export const KINESIS_EXTENDED_RETENTION_HOURS = 168;

/**
 * GB-months of data a stream keeps beyond the included 24 h, split into extended (up to 7 days) and
 * long-term (beyond): at a steady ingest rate the stream holds rate x hours in each window.
 * https://aws.amazon.com/kinesis/data-streams/pricing/ ;
 * https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html
 */
export function kinesisRetentionGBMonths(dataInGBPerMonth: number, retentionHours: number): { extended: number; longTerm: number } {
  const perHour = dataInGBPerMonth / HOURS_PER_MONTH;
  const extendedHours = Math.max(0, Math.min(retentionHours, KINESIS_EXTENDED_RETENTION_HOURS) - KINESIS_INCLUDED_RETENTION_HOURS);
  const longTermHours = Math.max(0, retentionHours - KINESIS_EXTENDED_RETENTION_HOURS);
  return { extended: perHour * extendedHours, longTerm: perHour * longTermHours };
}

// --- Amazon Data Firehose -------------------------------------------------------------------------------------------

/**
 * Ingestion is billed per GB with each record rounded up to the next 5 KB (a 3 KB record is billed as
 * 5 KB, a 12 KB record as 15 KB), per record, not per API call.
 * https://aws.amazon.com/firehose/pricing/
 */
export function firehoseBilledGB(records: number, recordBytes: number): number {
  return (records * Math.ceil(recordBytes / (5 * KIB)) * 5 * KIB) / GIB;
}

/** Firehose's defaults when a destination sets no buffering hints. */
export const FIREHOSE_DEFAULT_BUFFER = { intervalSeconds: 300, sizeMiB: 5 } as const;

/**
 * S3 objects (one PUT each) Firehose writes per month: it delivers when the buffer reaches its size or
 * its interval passes, whichever comes first, so at least one object per interval while data flows.
 * https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html
 */
export function firehoseObjectsPerMonth(rawBytesPerMonth: number, buffer: { intervalSeconds: number; sizeMiB: number }): number {
  if (rawBytesPerMonth === 0) return 0;
  return Math.ceil(Math.max(SECONDS_PER_MONTH / buffer.intervalSeconds, rawBytesPerMonth / (buffer.sizeMiB * MIB)));
}

// --- S3 ------------------------------------------------------------------------------------------------------------

export type StorageClass = "STANDARD" | "GLACIER_IR" | "DEEP_ARCHIVE";
export interface Transition {
  readonly days: number;
  readonly storageClass: StorageClass;
}

/** S3 Glacier Instant Retrieval bills objects smaller than 128 KB as 128 KB. */
export const GLACIER_IR_MIN_BILLABLE_BYTES = 128 * KIB;
/** S3 Glacier Deep Archive adds 32 KB per object at its own rate and 8 KB at S3 Standard's. */
export const DEEP_ARCHIVE_OVERHEAD = { ownClassBytes: 32 * KIB, standardBytes: 8 * KIB } as const;

export interface StorageTier {
  readonly storageClass: StorageClass;
  /** Billed GB in this class (minimum object size and per-object overhead applied). */
  readonly gb: number;
  readonly objects: number;
  /** Lifecycle transition requests into this class per month. */
  readonly transitionsPerMonth: number;
}

/**
 * What a bucket written at a steady rate holds after `monthsArchived` months, per storage class of its
 * lifecycle transitions: objects older than the expiration are gone (expiration requests are free), each
 * class holds the objects whose age falls in its window, billed at its own rate with its minimum
 * billable object size and per-object overhead; every object that reaches a transition's age is one
 * transition request, billed at the target class's rate.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html ;
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html ;
 * https://aws.amazon.com/s3/pricing/ (Storage, Requests: Lifecycle Transition requests into)
 */
export function s3StorageTiers(options: {
  readonly gbPerMonth: number;
  readonly objectsPerMonth: number;
  readonly monthsArchived: number;
  readonly transitions: readonly Transition[];
  /** Days after which the lifecycle expires objects. @default never */
  readonly expirationDays?: number;
}): StorageTier[] {
  const ageDays = Math.min(options.monthsArchived * DAYS_PER_MONTH, options.expirationDays ?? Infinity);
  const windows = [{ days: 0, storageClass: "STANDARD" as StorageClass }, ...[...options.transitions].sort((a, b) => a.days - b.days)];
  const objectBytes = options.objectsPerMonth === 0 ? 0 : (options.gbPerMonth * GIB) / options.objectsPerMonth;
  const tiers = windows.map((window, i) => {
    const end = i + 1 < windows.length ? windows[i + 1].days : Infinity;
    const months = Math.max(0, Math.min(end, ageDays) - window.days) / DAYS_PER_MONTH;
    const objects = options.objectsPerMonth * months;
    let bytesPerObject = objectBytes;
    if (window.storageClass === "GLACIER_IR") bytesPerObject = Math.max(objectBytes, GLACIER_IR_MIN_BILLABLE_BYTES);
    if (window.storageClass === "DEEP_ARCHIVE") bytesPerObject = objectBytes + DEEP_ARCHIVE_OVERHEAD.ownClassBytes;
    return {
      storageClass: window.storageClass,
      gb: (objects * bytesPerObject) / GIB,
      objects,
      transitionsPerMonth: window.days > 0 && ageDays > window.days ? options.objectsPerMonth : 0,
    };
  });
  // Deep Archive's 8 KB per object of metadata is billed at S3 Standard's rate.
  const deepArchive = tiers.find((t) => t.storageClass === "DEEP_ARCHIVE");
  const standard = tiers.find((t) => t.storageClass === "STANDARD")!;
  if (deepArchive) Object.assign(standard, { gb: standard.gb + (deepArchive.objects * DEEP_ARCHIVE_OVERHEAD.standardBytes) / GIB });
  return tiers;
}
