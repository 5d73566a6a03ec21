/**
 * The audit archive path as the stack wires it: a table's Kinesis streaming destination carries its
 * item changes (writes and TTL expiries) into a Kinesis stream, a Firehose stream reading that stream
 * delivers them to its S3 bucket, and the bucket's lifecycle rules decide where the bytes sit. Volumes
 * are derived along the wiring with each service's billing rule (billing-rules.ts); the usage file
 * only gives what the stack cannot (record size, compression, months archived).
 */
import {
  FIREHOSE_DEFAULT_BUFFER,
  firehoseBilledGB,
  firehoseObjectsPerMonth,
  GIB,
  HOURS_PER_MONTH,
  KINESIS_INCLUDED_RETENTION_HOURS,
  kinesisBilledGB,
  kinesisRetentionGBMonths,
  s3StorageTiers,
  type StorageClass,
  type Transition,
} from "./billing-rules";
import { line, referenced, requiredUsage, units, type CostLine, type Estimator, type Resource, type Resources } from "./estimator";
import type { PriceKey } from "./prices";

/** Change records one table sends into a Kinesis stream per month, at one record size. */
export interface ChangeFlow {
  readonly table: string;
  readonly records: number;
  readonly recordBytes: number;
}

const sumOf = (flows: readonly ChangeFlow[], measure: (flow: ChangeFlow) => number) => flows.reduce((t, f) => t + measure(f), 0);
const flowText = (flows: readonly ChangeFlow[]) =>
  flows.length === 0
    ? "no table streams into it"
    : flows.map((f) => `${units(f.records)} records of ${units(f.recordBytes)} B (${f.table})`).join(" + ");

export interface ArchiveFlows {
  /** Change records per Kinesis stream, by stream name. */
  readonly streams: Map<string, ChangeFlow[]>;
  /** Streams per Firehose delivery stream, and Firehose streams per bucket, by name. */
  readonly firehoseSource: Map<string, string>;
  readonly bucketSources: Map<string, string[]>;
  /** Buckets replicating into each bucket (S3 Replication rules), by name. */
  readonly replicationSources: Map<string, string[]>;
}

export function estimateKinesisStream(estimator: Estimator, name: string, stream: Resource, archive: ArchiveFlows): CostLine[] {
  const flows = archive.streams.get(name) ?? [];
  const retentionHours = Number(stream.retention_period ?? KINESIS_INCLUDED_RETENTION_HOURS);
  const details = (stream.stream_mode_details ?? {}) as Resource;
  if (details.stream_mode === "ON_DEMAND") {
    const dataIn = sumOf(flows, (f) => kinesisBilledGB(f.records, f.recordBytes));
    const consumers = [...archive.firehoseSource.values()].filter((source) => source === name).length;
    const retention = kinesisRetentionGBMonths(dataIn, retentionHours);
    return [
      estimator.fixed("stream-hours (on-demand)", HOURS_PER_MONTH, "kinesis.onDemand.streamHour", "stream-hours"),
      estimator.fixed("data in", dataIn, "kinesis.onDemand.dataInGB", "GB", `${flowText(flows)}, each rounded up to 1 KB`),
      estimator.fixed(
        "data retrievals",
        dataIn * consumers,
        "kinesis.onDemand.dataRetrievalGB",
        "GB",
        `data in x ${consumers} Firehose reader(s)`,
      ),
      estimator.fixed(
        "extended retention",
        retention.extended,
        "kinesis.onDemand.extendedRetentionGBMonth",
        "GB-months",
        `retention ${retentionHours} h: data in / ${HOURS_PER_MONTH} h x ${Math.max(0, Math.min(retentionHours, 168) - 24)} h beyond the included 24 h`,
      ),
      ...(retention.longTerm > 0
        ? [
            estimator.fixed(
              "long-term retention",
              retention.longTerm,
              "kinesis.onDemand.longTermRetentionGBMonth",
              "GB-months",
              `data in / ${HOURS_PER_MONTH} h x ${retentionHours - 168} h beyond 7 days`,
            ),
          ]
        : []),
    ];
  }
  const shards = Number(stream.shard_count ?? 1);
  return [
    estimator.fixed("shard-hours", shards * HOURS_PER_MONTH, "kinesis.provisioned.shardHour", "shard-hours", `${shards} shard(s)`),
    ...(retentionHours > KINESIS_INCLUDED_RETENTION_HOURS
      ? [
          estimator.fixed(
            "extended retention",
            shards * HOURS_PER_MONTH,
            "kinesis.provisioned.extendedRetentionShardHour",
            "shard-hours",
            `retention ${retentionHours} h (beyond 7 days not modelled)`,
          ),
        ]
      : []),
  ];
}

/** Firehose's S3 buffering hints (extended_s3_configuration), with AWS's defaults. */
function firehoseBuffer(firehose: Resource) {
  const s3 = (firehose.extended_s3_configuration ?? {}) as Resource;
  return {
    intervalSeconds: Number(s3.buffering_interval ?? FIREHOSE_DEFAULT_BUFFER.intervalSeconds),
    sizeMiB: Number(s3.buffering_size ?? FIREHOSE_DEFAULT_BUFFER.sizeMiB),
  };
}

const STORAGE_PRICES: Record<StorageClass, { storage: PriceKey; transitions?: PriceKey; label: string }> = {
  STANDARD: { storage: "s3.standard.gbMonth", label: "S3 Standard" },
  GLACIER_IR: { storage: "s3.glacierIR.gbMonth", transitions: "s3.glacierIR.transitionRequests", label: "Glacier Instant Retrieval" },
  DEEP_ARCHIVE: { storage: "s3.deepArchive.gbMonth", transitions: "s3.deepArchive.transitionRequests", label: "Glacier Deep Archive" },
};

/** A bucket's enabled lifecycle transitions; classes the model has no price for are warned about. */
/** A bucket's enabled lifecycle transitions and expiration; classes the model has no price for are warned about. */
function lifecycleRules(
  estimator: Estimator,
  bucket: string,
  resources: Resources,
): { transitions: Transition[]; expirationDays?: number } {
  const transitions: Transition[] = [];
  let expirationDays: number | undefined;
  for (const [name, configuration] of Object.entries(resources.aws_s3_bucket_lifecycle_configuration ?? {})) {
    if (referenced(configuration.bucket, "aws_s3_bucket") !== bucket) continue;
    for (const rule of (configuration.rule ?? []) as Resource[]) {
      if (rule.status !== "Enabled") continue;
      for (const transition of (rule.transition ?? []) as Resource[]) {
        const storageClass = String(transition.storage_class);
        if (storageClass in STORAGE_PRICES)
          transitions.push({ days: Number(transition.days ?? 0), storageClass: storageClass as StorageClass });
        else
          estimator.warnings.push(
            `aws_s3_bucket_lifecycle_configuration.${name}: transitions to ${storageClass} are not modelled; those bytes are priced in the class before`,
          );
      }
      for (const expiration of (rule.expiration ?? []) as Resource[]) {
        if (expiration.days !== undefined) expirationDays = Math.min(expirationDays ?? Infinity, Number(expiration.days));
      }
    }
  }
  return { transitions, expirationDays };
}

/** What lands in a bucket per month (raw, before compression), and how. */
interface BucketFeed {
  readonly rawBytes: number;
  readonly objects: number;
  /** Where the objects come from, for the basis. */
  readonly from: string;
}

/**
 * A bucket's feed: one object per Firehose flush, or, for a replication destination, every object of
 * its source bucket (S3 Replication copies each new object; a replicated object is billed as a PUT at
 * the destination's storage class, https://aws.amazon.com/s3/pricing/ (Replication) ;
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html).
 */
function bucketFeed(
  name: string,
  resources: Resources,
  archive: ArchiveFlows,
  seen: ReadonlySet<string> = new Set(),
): BucketFeed | undefined {
  const deliveries = archive.bucketSources.get(name) ?? [];
  const replicas = (archive.replicationSources.get(name) ?? []).filter((source) => !seen.has(source));
  if (deliveries.length === 0 && replicas.length === 0) return undefined;
  let rawBytes = 0;
  let objects = 0;
  const from: string[] = [];
  for (const firehose of deliveries) {
    const flows = archive.streams.get(archive.firehoseSource.get(firehose) ?? "") ?? [];
    const bytes = sumOf(flows, (f) => f.records * f.recordBytes);
    const buffer = firehoseBuffer(resources.aws_kinesis_firehose_delivery_stream[firehose]);
    rawBytes += bytes;
    objects += firehoseObjectsPerMonth(bytes, buffer);
    from.push(
      `Firehose ${firehose}: one object per flush, ${units(bytes / GIB)} GB raw, buffer ${buffer.intervalSeconds} s or ${buffer.sizeMiB} MiB`,
    );
  }
  for (const source of replicas) {
    const feed = bucketFeed(source, resources, archive, new Set([...seen, name]));
    if (!feed) continue;
    rawBytes += feed.rawBytes;
    objects += feed.objects;
    from.push(`replicated from ${source}`);
  }
  return { rawBytes, objects, from: from.join("; ") };
}

export function estimateBucket(estimator: Estimator, name: string, resources: Resources, archive: ArchiveFlows): CostLine[] {
  const address = `aws_s3_bucket.${name}`;
  const feed = bucketFeed(name, resources, archive);
  if (!feed) {
    estimator.warnings.push(`${address}: nothing in the stack delivers to it; its storage and requests are not modelled ($0 here)`);
    return [line("storage (nothing delivers to it)", { usd: 0 }, { usd: 0 }, "not modelled")];
  }
  const ratio = requiredUsage(estimator, "archive", "compressionRatio", address);
  const months = requiredUsage(estimator, "archive", "monthsArchived", address);
  const gbPerMonth = (feed.rawBytes * ratio) / GIB;
  const { transitions, expirationDays } = lifecycleRules(estimator, name, resources);
  const tiers = s3StorageTiers({ gbPerMonth, objectsPerMonth: feed.objects, monthsArchived: months, transitions, expirationDays });
  const lines = [estimator.fixed("PUTs", feed.objects, "s3.standard.putRequests", "objects", feed.from)];
  const held = expirationDays === undefined ? `${units(months)} months` : `${units(months)} months, expired after ${expirationDays} days`;
  for (const tier of tiers) {
    const prices = STORAGE_PRICES[tier.storageClass];
    const derivation = `${units(gbPerMonth)} GB/month (raw x ${ratio} compression) held ${held}, ${units(tier.objects)} objects in this class`;
    lines.push(estimator.fixed(`${prices.label} storage`, tier.gb, prices.storage, "GB", derivation));
    if (prices.transitions && tier.transitionsPerMonth > 0) {
      lines.push(estimator.fixed(`transitions to ${prices.label}`, tier.transitionsPerMonth, prices.transitions, "objects/month"));
    }
  }
  return lines;
}

/** Firehose ingestion: the records of the stream it reads, each rounded up to 5 KB. */
export function estimateFirehose(estimator: Estimator, name: string, archive: ArchiveFlows): CostLine[] {
  const flows = archive.streams.get(archive.firehoseSource.get(name) ?? "") ?? [];
  const gb = sumOf(flows, (f) => firehoseBilledGB(f.records, f.recordBytes));
  return [estimator.fixed("ingestion", gb, "firehose.ingestedGB", "GB", `${flowText(flows)}, each rounded up to 5 KB`)];
}

/** Which stream each Firehose stream reads, which Firehose streams deliver to each bucket, which buckets replicate into it. */
export function archiveFlows(resources: Resources, streams: Map<string, ChangeFlow[]>): ArchiveFlows {
  const archive: ArchiveFlows = { streams, firehoseSource: new Map(), bucketSources: new Map(), replicationSources: new Map() };
  for (const [name, firehose] of Object.entries(resources.aws_kinesis_firehose_delivery_stream ?? {})) {
    const source = referenced((firehose.kinesis_source_configuration as Resource | undefined)?.kinesis_stream_arn, "aws_kinesis_stream");
    if (source) archive.firehoseSource.set(name, source);
    const bucket = referenced((firehose.extended_s3_configuration as Resource | undefined)?.bucket_arn, "aws_s3_bucket");
    if (bucket) archive.bucketSources.set(bucket, [...(archive.bucketSources.get(bucket) ?? []), name]);
  }
  for (const replication of Object.values(resources.aws_s3_bucket_replication_configuration ?? {})) {
    const source = referenced(replication.bucket, "aws_s3_bucket");
    for (const rule of (replication.rule ?? []) as Resource[]) {
      const destination = referenced((rule.destination as Resource | undefined)?.bucket, "aws_s3_bucket");
      if (source && destination && rule.status === "Enabled") {
        archive.replicationSources.set(destination, [...(archive.replicationSources.get(destination) ?? []), source]);
      }
    }
  }
  return archive;
}
