/**
 * The monthly cost of one environment, from its synthesized stack (cdk.tf.json) and its usage file:
 * whatever the stack deploys is priced, or listed as unpriced; nothing is silently zero. Every billing
 * rule (rounding, what is billed, the provisioned floor) is a named function in billing-rules.ts with
 * the AWS page it comes from; this file wires resources and usage to them.
 *
 * Data flows the stack declares are followed, not asked for: a table's Kinesis streaming destination
 * carries its writes and TTL expiries into the stream, a Firehose stream reading that stream carries
 * them to its S3 bucket, and the bucket's lifecycle rules decide where the bytes sit.
 */
import type { PriceKey, PriceTable } from "./prices";
import { unitRate } from "./prices";
import { ENVIRONMENT_STACK_PREFIX } from "../config/environment-bounds";
import { CostInputError } from "./errors";
import type { IndexUsage, TableUsage, Usage } from "./usage";
import {
  changeDataCaptureUnits,
  contributorInsightsEvents,
  contributorInsightsRules,
  dynamoDbStoredGB,
  FIREHOSE_DEFAULT_BUFFER,
  firehoseBilledGB,
  firehoseObjectsPerMonth,
  HOURS_PER_MONTH,
  itemChangesPerMonth,
  KINESIS_INCLUDED_RETENTION_HOURS,
  kinesisBilledGB,
  kinesisRetentionGBMonths,
  provisionedFloorUnits,
  readRequestUnits,
  s3StorageTiers,
  SECONDS_PER_MONTH,
  writeRequestUnits,
  GIB,
  type ContributorInsightsMode,
  type StorageClass,
  type Transition,
} from "./billing-rules";

export { HOURS_PER_MONTH, SECONDS_PER_MONTH } from "./billing-rules";

/** One priced component. A null amount is unknown (its price could not be sourced) or unbounded. */
export interface CostLine {
  readonly component: string;
  readonly floorUsd: number | null;
  readonly ceilingUsd: number | null;
  /** How it was computed, e.g. "5..100 RCU x 730 h x $0.000147". */
  readonly basis: string;
  /** Why an amount is null. */
  readonly note?: string;
}

export interface Totals {
  /** Sum of the known floors. */
  readonly floorUsd: number;
  /** Sum of the known ceilings. */
  readonly ceilingUsd: number;
  /** Components whose floor or ceiling price is unknown: the totals leave them out. */
  readonly unknownComponents: number;
  /** A component has no ceiling (on-demand without a cap). */
  readonly ceilingUnbounded: boolean;
}

export interface TableEstimate extends Totals {
  readonly table: string;
  readonly billingMode: "PROVISIONED" | "PAY_PER_REQUEST";
  readonly tableClass: "STANDARD" | "STANDARD_INFREQUENT_ACCESS";
  /** The usage file does not describe the table: it was priced with DEFAULT_TABLE_USAGE (see warnings). */
  readonly defaultUsage: boolean;
  readonly lines: readonly CostLine[];
}

export interface ResourceLine extends CostLine {
  readonly address: string;
  /** The shared component it belongs to in the summary, e.g. "CloudWatch alarms" or "Kinesis stream audit_archive". */
  readonly group: string;
}

export interface EnvironmentEstimate extends Totals {
  readonly environment: string;
  readonly stack: string;
  readonly region: string;
  readonly tables: readonly TableEstimate[];
  /** Priced resources that belong to no single table (KMS keys, alarms, the archive path). */
  readonly resources: readonly ResourceLine[];
  /** Resources that cost nothing by themselves, with the reason. */
  readonly free: ReadonlyArray<{ readonly address: string; readonly reason: string }>;
  /** Resource types the tool cannot price: they are NOT in the totals. */
  readonly unpriced: ReadonlyArray<{ readonly address: string; readonly type: string }>;
  /** Usage values the estimate used that are not listed as measured in the usage file. */
  readonly assumptions: readonly string[];
  /** Prices used that are approximations, unknown, or overridden by the user's file. */
  readonly priceCaveats: ReadonlyArray<{ readonly key: PriceKey; readonly status: string; readonly source: string }>;
  /** Usage that contradicts the config (e.g. expected traffic above an on-demand cap). */
  readonly warnings: readonly string[];
}

/** The parts of a synthesized stack the estimate reads. */
export interface StackJson {
  readonly provider?: { readonly aws?: ReadonlyArray<{ readonly region?: string }> };
  readonly resource?: Record<string, Record<string, unknown>>;
  readonly [block: string]: unknown;
}

// Resources with no charge of their own (their effect is priced elsewhere, or AWS does not bill them).
const FREE_TYPES: Record<string, string> = {
  aws_appautoscaling_target: "priced as its table's or index's capacity range",
  aws_appautoscaling_policy: "Application Auto Scaling has no charge of its own",
  aws_dynamodb_resource_policy: "resource policies have no charge",
  aws_kms_alias: "aliases have no charge",
  aws_sns_topic_subscription: "deliveries are billed per message (not modelled)",
  aws_sns_topic_policy: "no charge",
  aws_iam_role: "IAM has no charge",
  aws_iam_role_policy: "IAM has no charge",
  aws_iam_policy: "IAM has no charge",
  aws_iam_role_policy_attachment: "IAM has no charge",
  aws_kms_key_policy: "no charge",
  aws_s3_bucket_versioning: "configuration of a priced bucket",
  aws_s3_bucket_public_access_block: "configuration of a priced bucket",
  aws_s3_bucket_server_side_encryption_configuration: "configuration of a priced bucket",
  aws_s3_bucket_lifecycle_configuration: "priced as its bucket's storage tiers and transitions",
  aws_s3_bucket_policy: "configuration of a priced bucket",
  aws_s3_bucket_ownership_controls: "configuration of a priced bucket",
  aws_s3_bucket_object_lock_configuration: "configuration of a priced bucket",
  terraform_data: "not an AWS resource",
};

type Resource = Record<string, unknown>;
type Resources = Record<string, Record<string, Resource>>;
type Amount = { usd: number | null; note?: string };

/**
 * What the usage file's silence means for a table the stack has: no items and no traffic, so a
 * provisioned table costs its configured minimum; labelled in the output and warned about.
 */
export const DEFAULT_TABLE_USAGE: TableUsage = {
  itemCount: 0,
  averageItemBytes: 1024,
  newItemsPerMonth: 0,
  readsPerMonth: 0,
  writesPerMonth: 0,
  streamReadRequestsPerMonth: 0,
  indexes: {},
};
/** ...and for an index: it holds and is written with every item at the item's size (the dearest case), no reads. */
const defaultIndexUsage = (itemBytes: number): IndexUsage => ({
  itemShare: 1,
  writeShare: 1,
  averageProjectedBytes: itemBytes,
  readsPerMonth: 0,
});

const REFERENCE = /\$\{(aws_[\w]+)\.([\w-]+)\.[\w]+\}/;

/** The `type.name` a `${type.name.attribute}` reference points at. */
function referenced(value: unknown, type: string): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = REFERENCE.exec(value);
  return match && match[1] === type ? match[2] : undefined;
}

/** Which table a resource's attribute points at: a `${aws_dynamodb_table.<id>.name}` reference or a literal name. */
function referencedTable(value: unknown, tables: Record<string, Resource>): string | undefined {
  if (typeof value !== "string") return undefined;
  const reference = referenced(value, "aws_dynamodb_table");
  if (reference) return reference;
  return Object.keys(tables).find((id) => tables[id].name === value || value.endsWith(`/${String(tables[id].name)}`));
}

const money = (usd: number) => `$${usd < 0.01 ? usd.toPrecision(3) : usd.toFixed(usd < 1 ? 4 : 2)}`;
// One formatter: toLocaleString with options builds a new Intl.NumberFormat on every call.
const UNITS_FORMAT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const units = (value: number) => (value > 0 && value < 1 ? value.toPrecision(2) : UNITS_FORMAT.format(value));

class Estimator {
  readonly assumptions = new Set<string>();
  readonly caveats = new Set<PriceKey>();
  readonly warnings: string[] = [];

  constructor(
    readonly prices: PriceTable,
    readonly usage: Usage,
  ) {}

  /** Reads a usage value, remembering it as an assumption unless measured. */
  use<T>(path: string, value: T): T {
    if (!this.usage.measured.includes(path)) this.assumptions.add(path);
    return value;
  }

  /** quantity x price; unknown (null) when the price is unknown and the quantity is not zero. */
  price(quantity: number, key: PriceKey): Amount {
    const entry = this.prices.prices[key];
    if (entry.status !== "sourced" || entry.overridden) this.caveats.add(key);
    if (quantity === 0) return { usd: 0 };
    const rate = unitRate(this.prices, key);
    return rate === undefined ? { usd: null, note: `price unknown: ${key} (${this.prices.region})` } : { usd: quantity * rate };
  }

  rateText(key: PriceKey): string {
    const entry = this.prices.prices[key];
    return entry.usd === null
      ? "unknown"
      : `${money(entry.usd)}/${entry.per === 1 ? "" : `${units(entry.per)} `}${entry.unit.split(" (")[0]}`;
  }

  /** quantity x price, as a line whose floor and ceiling are the same; `derivation` says where the quantity comes from. */
  fixed(component: string, quantity: number, key: PriceKey, what: string, derivation?: string): CostLine {
    const amount = this.price(quantity, key);
    return line(component, amount, amount, `${derivation ? `${derivation}: ` : ""}${units(quantity)} ${what} x ${this.rateText(key)}`);
  }
}

const sum = (...amounts: Amount[]): Amount =>
  amounts.some((a) => a.usd === null)
    ? { usd: null, note: amounts.find((a) => a.note)?.note }
    : { usd: amounts.reduce((total, a) => total + (a.usd ?? 0), 0) };

const UNBOUNDED = "unbounded";
/** A component with no ceiling (on demand without a cap): its null ceiling is not an unknown price. */
export const isUnbounded = (l: CostLine) => l.ceilingUsd === null && l.note?.startsWith(UNBOUNDED) === true;

function line(component: string, floor: Amount, ceiling: Amount, basis: string): CostLine {
  const note = floor.note ?? ceiling.note;
  return { component, floorUsd: floor.usd, ceilingUsd: ceiling.usd, basis, ...(note ? { note } : {}) };
}

function totals(lines: readonly CostLine[]): Totals {
  return {
    floorUsd: lines.reduce((total, l) => total + (l.floorUsd ?? 0), 0),
    ceilingUsd: lines.reduce((total, l) => total + (l.ceilingUsd ?? 0), 0),
    unknownComponents: lines.filter((l) => l.floorUsd === null || (l.ceilingUsd === null && !isUnbounded(l))).length,
    ceilingUnbounded: lines.some(isUnbounded),
  };
}

interface IndexShape {
  readonly name: string;
  readonly projection: string;
  readonly resource: Resource;
}

function tableIndexes(table: Resource): IndexShape[] {
  const indexes = (table.global_secondary_index ?? []) as Resource[];
  return indexes.map((index) => ({ name: String(index.name), projection: String(index.projection_type ?? "ALL"), resource: index }));
}

/** A table's usage as the estimate uses it: the file's, or the labelled default (with a warning). */
interface ResolvedTable {
  readonly id: string;
  readonly resource: Resource;
  readonly usage: TableUsage;
  readonly defaultUsage: boolean;
}

/** Change records one table sends into a Kinesis stream per month, at one record size. */
interface ChangeFlow {
  readonly table: string;
  readonly records: number;
  readonly recordBytes: number;
}

function estimateTable(
  estimator: Estimator,
  resolved: ResolvedTable,
  resources: Resources,
  tables: Record<string, Resource>,
  flows: Map<string, ChangeFlow[]>,
): TableEstimate {
  const { usage } = estimator;
  const { id, resource: table, usage: tableUsage, defaultUsage } = resolved;
  const path = `tables.${id}`;
  // Default usage is labelled as such, not listed as assumptions of the file.
  const use = <K extends keyof TableUsage>(key: K) =>
    defaultUsage ? tableUsage[key] : estimator.use(`${path}.${String(key)}`, tableUsage[key]);
  const billingMode = table.billing_mode === "PAY_PER_REQUEST" ? "PAY_PER_REQUEST" : "PROVISIONED";
  const tableClass = table.table_class === "STANDARD_INFREQUENT_ACCESS" ? "STANDARD_INFREQUENT_ACCESS" : "STANDARD";
  const classKey = tableClass === "STANDARD" ? "standard" : "standardIA";
  const className = tableClass === "STANDARD" ? "Standard" : "Standard-IA";
  const indexes = tableIndexes(table);
  const lines: CostLine[] = [];

  for (const name of Object.keys(tableUsage.indexes)) {
    if (!indexes.some((index) => index.name === name)) {
      estimator.warnings.push(
        `${usage.file}: ${path}.indexes.${name}: the table has no such index (it has ${indexes.map((i) => i.name).join(", ") || "none"}); ignored, remove it`,
      );
    }
  }
  const itemBytes = use("averageItemBytes");
  const undescribed = indexes.filter((index) => !defaultUsage && !tableUsage.indexes[index.name]);
  for (const index of undescribed) {
    estimator.warnings.push(
      `${usage.file}: ${path}.indexes.${index.name}: not described; priced as holding and written with every item at ${itemBytes} B, no reads (default): add itemShare, writeShare, averageProjectedBytes, readsPerMonth`,
    );
  }
  const indexUsage = (index: IndexShape): IndexUsage => tableUsage.indexes[index.name] ?? defaultIndexUsage(itemBytes);
  const useIndex = <K extends keyof IndexUsage>(index: IndexShape, key: K) =>
    defaultUsage || !tableUsage.indexes[index.name]
      ? indexUsage(index)[key]
      : estimator.use(`${path}.indexes.${index.name}.${String(key)}`, indexUsage(index)[key]);
  const indexLabel = (index: IndexShape) => `GSI ${index.name}${tableUsage.indexes[index.name] || defaultUsage ? "" : " (default usage)"}`;

  // Capacity: one dimension (table or index, read or write) at a time.
  const targets = Object.entries(resources.aws_appautoscaling_target ?? {}).filter(
    ([, target]) => target.service_namespace === "dynamodb" && referencedTable(target.resource_id, tables) === id,
  );
  const policies = Object.values(resources.aws_appautoscaling_policy ?? {});
  /** The target-tracking policy's target utilisation for an autoscaling target, in percent. */
  const targetUtilization = (targetName: string): number | undefined => {
    const policy = policies.find((p) => referenced(p.resource_id, "aws_appautoscaling_target") === targetName);
    const configuration = policy?.target_tracking_scaling_policy_configuration as Resource | undefined;
    return configuration?.target_value === undefined ? undefined : Number(configuration.target_value);
  };
  const capacity = (scope: string, indexName: string | undefined, dimension: "read" | "write", holder: Resource, expectedUnits: number) => {
    const label = `${scope} ${dimension} ${billingMode === "PROVISIONED" ? "capacity" : "requests"}`;
    if (billingMode === "PROVISIONED") {
      const key: PriceKey = `dynamodb.provisioned.${classKey}.${dimension === "read" ? "readCapacityUnitHour" : "writeCapacityUnitHour"}`;
      const unit = dimension === "read" ? "RCU" : "WCU";
      const scalable = `dynamodb:${indexName ? "index" : "table"}:${dimension === "read" ? "Read" : "Write"}CapacityUnits`;
      const target = targets.find(
        ([, t]) =>
          t.scalable_dimension === scalable &&
          (indexName ? String(t.resource_id).endsWith(`/index/${indexName}`) : !String(t.resource_id).includes("/index/")),
      );
      const fixed = Number(holder[`${dimension}_capacity`] ?? 0);
      const [min, max] = target ? [Number(target[1].min_capacity), Number(target[1].max_capacity)] : [fixed, fixed];
      const percent = target ? targetUtilization(target[0]) : undefined;
      const floor = provisionedFloorUnits({ min, max, unitsPerMonth: expectedUnits, targetUtilizationPercent: percent ?? 100 });
      if (floor.aboveMax) {
        estimator.warnings.push(
          `${id} ${scope} ${dimension}s: the declared traffic needs ${units(floor.required)} ${unit}${percent ? ` at ${percent} %` : ""}, above the ${target ? "autoscaling max" : "fixed capacity"} of ${units(max)}; requests would be throttled`,
        );
      }
      const declared = `${units(expectedUnits)} ${unit}-units/month / ${units(SECONDS_PER_MONTH)} s / ${percent ?? 100} %${percent === undefined && target ? " (no target-tracking policy)" : ""} = ${units(floor.required)}`;
      lines.push(
        line(
          label,
          estimator.price(floor.units * HOURS_PER_MONTH, key),
          estimator.price(max * HOURS_PER_MONTH, key),
          `floor max(min ${units(min)}, ${declared}) = ${units(floor.units)} ${unit}; ceiling ${target ? "max" : "fixed"} ${units(max)} ${unit}; x ${HOURS_PER_MONTH} h x ${estimator.rateText(key)}`,
        ),
      );
      return;
    }
    const key: PriceKey = `dynamodb.onDemand.${classKey}.${dimension === "read" ? "readRequestUnits" : "writeRequestUnits"}`;
    const throughput = (holder.on_demand_throughput ?? {}) as Resource;
    const cap = Number(throughput[`max_${dimension}_request_units`] ?? -1);
    const floor = estimator.price(expectedUnits, key);
    const unit = dimension === "read" ? "RRU" : "WRU";
    if (!(cap > 0)) {
      lines.push(
        line(
          label,
          floor,
          { usd: null, note: `${UNBOUNDED}: no max_${dimension}_request_units cap` },
          `${units(expectedUnits)} ${unit} x ${estimator.rateText(key)}; no cap`,
        ),
      );
      return;
    }
    if (expectedUnits > cap * SECONDS_PER_MONTH) {
      estimator.warnings.push(
        `${id} ${scope} ${dimension}s: usage (${units(expectedUnits)} ${unit}/month) exceeds the cap sustained all month; requests would be throttled`,
      );
    }
    lines.push(
      line(
        label,
        floor,
        estimator.price(cap * SECONDS_PER_MONTH, key),
        `floor ${units(expectedUnits)} ${unit}; ceiling cap ${units(cap)} ${unit}/s x ${units(SECONDS_PER_MONTH)} s; x ${estimator.rateText(key)}`,
      ),
    );
  };

  capacity("table", undefined, "read", table, readRequestUnits(use("readsPerMonth"), itemBytes));
  capacity("table", undefined, "write", table, writeRequestUnits(use("writesPerMonth"), itemBytes));
  for (const index of indexes) {
    const projected = useIndex(index, "averageProjectedBytes");
    if (index.projection !== "ALL" && projected > itemBytes) {
      estimator.warnings.push(
        `${usage.file}: ${path}.indexes.${index.name}.averageProjectedBytes (${projected}) is above the item size (${itemBytes}) but the index projects only ${index.projection === "KEYS_ONLY" ? "keys" : "some attributes"}`,
      );
    }
    capacity(indexLabel(index), index.name, "read", index.resource, readRequestUnits(useIndex(index, "readsPerMonth"), projected));
    capacity(
      indexLabel(index),
      index.name,
      "write",
      index.resource,
      writeRequestUnits(use("writesPerMonth") * useIndex(index, "writeShare"), projected),
    );
  }

  // Storage: the table and every index entry, at the table class's rate.
  const items = use("itemCount");
  const tableGB = dynamoDbStoredGB(items, itemBytes);
  const indexGB = indexes.reduce(
    (total, index) => total + dynamoDbStoredGB(items * useIndex(index, "itemShare"), useIndex(index, "averageProjectedBytes")),
    0,
  );
  const storageKey: PriceKey = `dynamodb.storage.${classKey}.gbMonth`;
  const storage = estimator.price(tableGB + indexGB, storageKey);
  lines.push(
    line(
      `storage (${className})`,
      storage,
      storage,
      `${units(tableGB)} GB table + ${units(indexGB)} GB indexes x ${estimator.rateText(storageKey)}`,
    ),
  );

  const pitr = table.point_in_time_recovery as Resource | undefined;
  if (pitr?.enabled === true) {
    const amount = estimator.price(tableGB, "dynamodb.pitr.gbMonth");
    lines.push(
      line(
        `point-in-time recovery (${String(pitr.recovery_period_in_days ?? 35)} days)`,
        amount,
        amount,
        `${units(tableGB)} GB x ${estimator.rateText("dynamodb.pitr.gbMonth")}`,
      ),
    );
  }
  if (table.stream_enabled === true) {
    const reads = use("streamReadRequestsPerMonth");
    const amount = estimator.price(reads, "dynamodb.streams.readRequestUnits");
    lines.push(
      line(
        `stream (${String(table.stream_view_type)})`,
        amount,
        amount,
        `${units(reads)} non-Lambda GetRecords x ${estimator.rateText("dynamodb.streams.readRequestUnits")} (Lambda triggers are free)`,
      ),
    );
  }

  // Table-scoped add-ons another resource declares.
  const attached = (type: string) =>
    Object.entries(resources[type] ?? {}).filter(([, resource]) => referencedTable(resource.table_name, tables) === id);
  const ttlEnabled = (table.ttl as Resource | undefined)?.enabled === true;
  for (const [name, destination] of attached("aws_dynamodb_kinesis_streaming_destination")) {
    const changes = itemChangesPerMonth(use("writesPerMonth"), use("newItemsPerMonth"), ttlEnabled);
    const cdc = changeDataCaptureUnits(changes, itemBytes);
    lines.push(
      estimator.fixed(
        `Kinesis streaming destination (${name})`,
        cdc,
        "dynamodb.kinesisStreaming.changeDataCaptureUnits",
        `CDC units (${units(changes)} changes${ttlEnabled ? " incl. TTL expiries" : ""} x ${Math.ceil(itemBytes / 1024)} KB)`,
      ),
    );
    const stream = referenced(destination.stream_arn, "aws_kinesis_stream");
    if (stream) {
      const recordBytes = defaultUsage ? undefined : tableUsage.changeRecordBytes;
      if (recordBytes === undefined) {
        throw new CostInputError(
          `${usage.file}: ${path}.changeRecordBytes: required because aws_dynamodb_kinesis_streaming_destination.${name} streams the table to aws_kinesis_stream.${stream}; add the average change record size (CloudWatch IncomingBytes / IncomingRecords)`,
        );
      }
      flows.set(stream, [
        ...(flows.get(stream) ?? []),
        { table: id, records: changes, recordBytes: estimator.use(`${path}.changeRecordBytes`, recordBytes) },
      ]);
    }
  }
  for (const [name, insights] of attached("aws_dynamodb_contributor_insights")) {
    const index = insights.index_name ? indexes.find((i) => i.name === insights.index_name) : undefined;
    const mode: ContributorInsightsMode = insights.mode === "THROTTLED_KEYS" ? "THROTTLED_KEYS" : "ACCESSED_AND_THROTTLED_KEYS";
    const hasSortKey = Boolean(index ? index.resource.range_key : table.range_key);
    const rules = contributorInsightsRules(mode, hasSortKey);
    const requests = index
      ? useIndex(index, "readsPerMonth") + use("writesPerMonth") * useIndex(index, "writeShare")
      : use("readsPerMonth") + use("writesPerMonth");
    const events = contributorInsightsEvents(mode, requests, hasSortKey);
    const ruleCost = estimator.price(rules, "dynamodb.contributorInsights.ruleMonth");
    const withEvents = (count: number) => sum(ruleCost, estimator.price(count, "dynamodb.contributorInsights.events"));
    lines.push(
      line(
        `contributor insights (${name}, ${mode === "THROTTLED_KEYS" ? "throttled keys" : "accessed and throttled keys"})`,
        withEvents(events.floor),
        withEvents(events.ceiling),
        `${rules} rules x ${estimator.rateText("dynamodb.contributorInsights.ruleMonth")} + ${events.floor === events.ceiling ? "" : `${units(events.floor)}..`}${units(events.ceiling)} events x ${estimator.rateText("dynamodb.contributorInsights.events")}`,
      ),
    );
  }

  return { table: id, billingMode, tableClass, defaultUsage, lines, ...totals(lines) };
}

/** Reads a required usage number of a shared section, naming the resource that needs it. */
function requiredUsage(estimator: Estimator, section: "archive" | "notifications", field: string, address: string): number {
  const { usage } = estimator;
  const value = (usage[section] as Record<string, number | undefined>)[field];
  if (value === undefined) {
    throw new CostInputError(`${usage.file}: ${section}.${field}: required because the stack has ${address}; add the expected number`);
  }
  return estimator.use(`${section}.${field}`, value);
}

const sumOf = (flows: readonly ChangeFlow[], measure: (flow: ChangeFlow) => number) => flows.reduce((t, f) => t + measure(f), 0);
const flowText = (flows: readonly ChangeFlow[]) =>
  flows.length === 0
    ? "no table streams into it"
    : flows.map((f) => `${units(f.records)} records of ${units(f.recordBytes)} B (${f.table})`).join(" + ");

interface ArchiveFlows {
  /** Change records per Kinesis stream, by stream name. */
  readonly streams: Map<string, ChangeFlow[]>;
  /** Streams per Firehose delivery stream, and Firehose streams per bucket, by name. */
  readonly firehoseSource: Map<string, string>;
  readonly bucketSources: Map<string, string[]>;
}

function estimateKinesisStream(estimator: Estimator, name: string, stream: Resource, archive: ArchiveFlows): CostLine[] {
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
function lifecycleTransitions(estimator: Estimator, bucket: string, resources: Resources): Transition[] {
  const transitions: Transition[] = [];
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
    }
  }
  return transitions;
}

function estimateBucket(estimator: Estimator, name: string, resources: Resources, archive: ArchiveFlows): CostLine[] {
  const address = `aws_s3_bucket.${name}`;
  const sources = archive.bucketSources.get(name) ?? [];
  if (sources.length === 0) {
    estimator.warnings.push(`${address}: nothing in the stack delivers to it; its storage and requests are not modelled ($0 here)`);
    return [line("storage (nothing delivers to it)", { usd: 0 }, { usd: 0 }, "not modelled")];
  }
  let rawBytes = 0;
  let objects = 0;
  const buffers: string[] = [];
  for (const firehose of sources) {
    const flows = archive.streams.get(archive.firehoseSource.get(firehose) ?? "") ?? [];
    const bytes = sumOf(flows, (f) => f.records * f.recordBytes);
    const buffer = firehoseBuffer(resources.aws_kinesis_firehose_delivery_stream[firehose]);
    rawBytes += bytes;
    objects += firehoseObjectsPerMonth(bytes, buffer);
    buffers.push(`${firehose}: ${units(bytes / GIB)} GB raw, buffer ${buffer.intervalSeconds} s or ${buffer.sizeMiB} MiB`);
  }
  const ratio = requiredUsage(estimator, "archive", "compressionRatio", address);
  const months = requiredUsage(estimator, "archive", "monthsArchived", address);
  const gbPerMonth = (rawBytes * ratio) / GIB;
  const tiers = s3StorageTiers({
    gbPerMonth,
    objectsPerMonth: objects,
    monthsArchived: months,
    transitions: lifecycleTransitions(estimator, name, resources),
  });
  const lines = [
    estimator.fixed(
      "PUTs (Firehose deliveries)",
      objects,
      "s3.standard.putRequests",
      "objects",
      `one object per flush (${buffers.join("; ")})`,
    ),
  ];
  for (const tier of tiers) {
    const prices = STORAGE_PRICES[tier.storageClass];
    const derivation = `${units(gbPerMonth)} GB/month (raw x ${ratio} compression) held ${units(months)} months, ${units(tier.objects)} objects in this class`;
    lines.push(estimator.fixed(`${prices.label} storage`, tier.gb, prices.storage, "GB", derivation));
    if (prices.transitions && tier.transitionsPerMonth > 0) {
      lines.push(estimator.fixed(`transitions to ${prices.label}`, tier.transitionsPerMonth, prices.transitions, "objects/month"));
    }
  }
  return lines;
}

function estimateResource(
  estimator: Estimator,
  type: string,
  name: string,
  resource: Resource,
  archive: ArchiveFlows,
): CostLine[] | undefined {
  const address = `${type}.${name}`;
  switch (type) {
    case "aws_kms_key": {
      const key = estimator.price(1, "kms.keyMonth");
      const rotations = resource.enable_key_rotation === true ? estimator.price(2, "kms.rotatedKeyVersionMonth") : { usd: 0 };
      return [
        line(
          "KMS key",
          key,
          sum(key, rotations),
          `1 key x ${estimator.rateText("kms.keyMonth")}${resource.enable_key_rotation === true ? "; ceiling + 2 charged rotations" : ""} (requests not modelled)`,
        ),
      ];
    }
    case "aws_cloudwatch_metric_alarm": {
      const queries = (resource.metric_query ?? []) as Resource[];
      const metrics = Math.max(1, queries.filter((query) => query.metric !== undefined).length);
      const highResolution = Number(resource.period ?? 60) < 60;
      const key: PriceKey = highResolution ? "cloudwatch.alarm.highResolution" : "cloudwatch.alarm.standardResolution";
      return [estimator.fixed("CloudWatch alarm", metrics, key, "alarm metric(s)")];
    }
    case "aws_sns_topic":
      return [
        estimator.fixed(
          "SNS topic",
          requiredUsage(estimator, "notifications", "snsPublishesPerMonth", address),
          "sns.publishRequests",
          "publishes",
        ),
      ];
    case "aws_kinesis_stream":
      return estimateKinesisStream(estimator, name, resource, archive);
    case "aws_kinesis_firehose_delivery_stream": {
      const flows = archive.streams.get(archive.firehoseSource.get(name) ?? "") ?? [];
      const gb = sumOf(flows, (f) => firehoseBilledGB(f.records, f.recordBytes));
      return [estimator.fixed("ingestion", gb, "firehose.ingestedGB", "GB", `${flowText(flows)}, each rounded up to 5 KB`)];
    }
    case "aws_pipes_pipe":
      return [
        estimator.fixed(
          "EventBridge pipe",
          requiredUsage(estimator, "archive", "pipeRequestsPerMonth", address),
          "pipes.requests",
          "requests",
        ),
      ];
    default:
      return undefined;
  }
}

/** The summary's name for a resource's shared component: alarms and keys are summed by kind, the rest by resource. */
function groupOf(type: string, name: string): string {
  switch (type) {
    case "aws_cloudwatch_metric_alarm":
      return "CloudWatch alarms";
    case "aws_kms_key":
      return "KMS keys";
    case "aws_sns_topic":
      return "SNS topics";
    case "aws_kinesis_stream":
      return `Kinesis stream ${name}`;
    case "aws_kinesis_firehose_delivery_stream":
      return `Firehose ${name}`;
    case "aws_s3_bucket":
      return `S3 bucket ${name}`;
    case "aws_pipes_pipe":
      return `EventBridge pipe ${name}`;
    default:
      return `${type}.${name}`;
  }
}

/** The region a stack deploys to (its AWS provider's `region`). */
export function stackRegion(stackName: string, stack: StackJson): string {
  const region = stack.provider?.aws?.[0]?.region;
  if (!region) throw new CostInputError(`stack ${stackName}: its aws provider has no region; cannot choose a price file`);
  return region;
}

/**
 * The tables and indexes of a stack its usage file does not describe (and usage for tables the stack
 * lacks): what `npm run cost` prices with defaults, and synth warns about.
 */
export function usageGaps(stack: StackJson, usage: Usage): { tables: string[]; indexes: string[]; stale: string[] } {
  const tables = ((stack.resource ?? {}) as Resources).aws_dynamodb_table ?? {};
  const ids = Object.keys(tables).sort();
  return {
    tables: ids.filter((id) => !usage.tables[id]),
    indexes: ids
      .filter((id) => usage.tables[id])
      .flatMap((id) =>
        tableIndexes(tables[id])
          .filter((index) => !usage.tables[id].indexes[index.name])
          .map((index) => `${id}.${index.name}`),
      ),
    stale: Object.keys(usage.tables).filter((id) => !(id in tables)),
  };
}

/** Estimates one environment stack. */
export function estimateEnvironment(stackName: string, stack: StackJson, usage: Usage, prices: PriceTable): EnvironmentEstimate {
  const environment = stackName.slice(ENVIRONMENT_STACK_PREFIX.length);
  const resources = (stack.resource ?? {}) as Resources;
  const tables = resources.aws_dynamodb_table ?? {};
  const estimator = new Estimator(prices, usage);
  const gaps = usageGaps(stack, usage);
  for (const id of gaps.stale) {
    estimator.warnings.push(
      `${usage.file}: tables.${id}: no such table in ${stackName} (it has ${Object.keys(tables).join(", ")}); ignored, remove it or fix the name`,
    );
  }
  for (const id of gaps.tables) {
    estimator.warnings.push(
      `${usage.file}: tables.${id}: not described; priced with no items and no traffic (default): add itemCount, averageItemBytes, newItemsPerMonth, readsPerMonth, writesPerMonth`,
    );
  }
  const flows = new Map<string, ChangeFlow[]>();
  const tableEstimates = Object.keys(tables)
    .sort()
    .map((id) => {
      const described = usage.tables[id];
      const resolved = { id, resource: tables[id], usage: described ?? DEFAULT_TABLE_USAGE, defaultUsage: !described };
      return estimateTable(estimator, resolved, resources, tables, flows);
    });

  const archive: ArchiveFlows = { streams: flows, firehoseSource: new Map(), bucketSources: new Map() };
  for (const [name, firehose] of Object.entries(resources.aws_kinesis_firehose_delivery_stream ?? {})) {
    const source = referenced((firehose.kinesis_source_configuration as Resource | undefined)?.kinesis_stream_arn, "aws_kinesis_stream");
    if (source) archive.firehoseSource.set(name, source);
    const bucket = referenced((firehose.extended_s3_configuration as Resource | undefined)?.bucket_arn, "aws_s3_bucket");
    if (bucket) archive.bucketSources.set(bucket, [...(archive.bucketSources.get(bucket) ?? []), name]);
  }

  const resourceLines: ResourceLine[] = [];
  const free: Array<{ address: string; reason: string }> = [];
  const unpriced: Array<{ address: string; type: string }> = [];
  const tableScoped = new Set(["aws_dynamodb_table", "aws_dynamodb_kinesis_streaming_destination", "aws_dynamodb_contributor_insights"]);
  for (const type of Object.keys(resources).sort()) {
    if (tableScoped.has(type)) continue;
    for (const name of Object.keys(resources[type]).sort()) {
      const address = `${type}.${name}`;
      if (type in FREE_TYPES) {
        free.push({ address, reason: FREE_TYPES[type] });
        continue;
      }
      const priced =
        type === "aws_s3_bucket"
          ? estimateBucket(estimator, name, resources, archive)
          : estimateResource(estimator, type, name, resources[type][name], archive);
      if (priced) for (const l of priced) resourceLines.push({ address, group: groupOf(type, name), ...l });
      else unpriced.push({ address, type });
    }
  }
  const all = [...tableEstimates.flatMap((t) => t.lines), ...resourceLines];
  return {
    environment,
    stack: stackName,
    region: prices.region,
    tables: tableEstimates,
    resources: resourceLines,
    free,
    unpriced,
    assumptions: [...estimator.assumptions].sort(),
    priceCaveats: [...estimator.caveats].sort().map((key) => {
      const entry = prices.prices[key];
      return { key, status: entry.overridden ? "overridden" : entry.status, source: entry.source };
    }),
    warnings: estimator.warnings,
    ...totals(all),
  };
}
