/**
 * The monthly cost of one environment, from its synthesized stack (cdk.tf.json) and its usage file:
 * whatever the stack deploys is priced, or listed as unpriced; nothing is silently zero.
 *
 * Billing rules relied on (https://aws.amazon.com/dynamodb/pricing/on-demand/ and /provisioned/):
 * a read request unit covers a strongly consistent read of up to 4 KB, a write request unit a write of
 * up to 1 KB; provisioned capacity is billed per hour whatever is consumed; storage is billed per
 * GB-month including a 100-byte overhead per item (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
 * PITR is billed on the table's size (GSIs excluded); a GSI consumes write capacity for every table
 * write that adds, changes or removes an index entry, sized by the projected entry.
 */
import type { PriceKey, PriceTable } from "./prices";
import { unitRate } from "./prices";
import { ENVIRONMENT_STACK_PREFIX } from "../config/environment-bounds";
import { CostInputError } from "./errors";
import type { IndexUsage, TableUsage, Usage } from "./usage";

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** DynamoDB adds 100 bytes of overhead per item (and per index entry) to billed storage. */
export const ITEM_OVERHEAD_BYTES = 100;
const READ_UNIT_BYTES = 4096;
const WRITE_UNIT_BYTES = 1024;
const GIB = 1024 ** 3;

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
  readonly lines: readonly CostLine[];
}

export interface ResourceLine extends CostLine {
  readonly address: string;
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
  aws_s3_bucket_lifecycle_configuration: "configuration of a priced bucket",
  aws_s3_bucket_policy: "configuration of a priced bucket",
  aws_s3_bucket_ownership_controls: "configuration of a priced bucket",
  aws_s3_bucket_object_lock_configuration: "configuration of a priced bucket",
  aws_s3_bucket_replication_configuration: "configuration of a priced bucket (replication requests not modelled)",
  aws_cloudwatch_log_group: "Firehose's delivery-error log: billed per GB ingested (not modelled)",
  aws_cloudwatch_log_stream: "part of its log group",
  terraform_data: "not an AWS resource",
};

type Resource = Record<string, unknown>;
type Amount = { usd: number | null; note?: string };

const TABLE_REFERENCE = /\$\{aws_dynamodb_table\.([\w-]+)\.(?:name|arn|id)\}/;

/** Which table a resource's attribute points at: a `${aws_dynamodb_table.<id>.name}` reference or a literal name. */
function referencedTable(value: unknown, tables: Record<string, Resource>): string | undefined {
  if (typeof value !== "string") return undefined;
  const reference = TABLE_REFERENCE.exec(value);
  if (reference) return reference[1];
  return Object.keys(tables).find((id) => tables[id].name === value || value.endsWith(`/${String(tables[id].name)}`));
}

const money = (usd: number) => `$${usd < 0.01 ? usd.toPrecision(3) : usd.toFixed(usd < 1 ? 4 : 2)}`;
// One formatter: toLocaleString with options builds a new Intl.NumberFormat on every call.
const UNITS_FORMAT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const units = (value: number) => (value > 0 && value < 1 ? value.toPrecision(2) : UNITS_FORMAT.format(value));

/** Request units of reads and writes of an item size (also used by the savings report). */
export const requestUnits = {
  reads: (reads: number, itemBytes: number) => reads * Math.ceil(itemBytes / READ_UNIT_BYTES),
  writes: (writes: number, itemBytes: number) => writes * Math.ceil(itemBytes / WRITE_UNIT_BYTES),
};
const storedGB = (items: number, itemBytes: number) => (items * (itemBytes + ITEM_OVERHEAD_BYTES)) / GIB;

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
}

const UNBOUNDED = "unbounded";
/** A component with no ceiling (on demand without a cap): its null ceiling is not an unknown price. */
export const isUnbounded = (l: CostLine) => l.ceilingUsd === null && l.note?.startsWith(UNBOUNDED) === true;

function line(component: string, floor: Amount, ceiling: Amount, basis: string): CostLine {
  const note = floor.note ?? ceiling.note;
  return { component, floorUsd: floor.usd, ceilingUsd: ceiling.usd, basis, ...(note ? { note } : {}) };
}

function totals(lines: readonly CostLine[]): Totals {
  return {
    floorUsd: lines.reduce((sum, l) => sum + (l.floorUsd ?? 0), 0),
    ceilingUsd: lines.reduce((sum, l) => sum + (l.ceilingUsd ?? 0), 0),
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

function estimateTable(
  estimator: Estimator,
  id: string,
  table: Resource,
  resources: Record<string, Record<string, Resource>>,
  tables: Record<string, Resource>,
): TableEstimate {
  const { usage } = estimator;
  const tableUsage: TableUsage | undefined = usage.tables[id];
  if (!tableUsage) {
    throw new CostInputError(
      `${usage.file}: tables.${id}: missing; the stack has aws_dynamodb_table.${id}: add its itemCount, averageItemBytes, newItemsPerMonth, readsPerMonth, writesPerMonth`,
    );
  }
  const path = `tables.${id}`;
  const use = <K extends keyof TableUsage>(key: K) => estimator.use(`${path}.${String(key)}`, tableUsage[key]);
  const billingMode = table.billing_mode === "PAY_PER_REQUEST" ? "PAY_PER_REQUEST" : "PROVISIONED";
  const tableClass = table.table_class === "STANDARD_INFREQUENT_ACCESS" ? "STANDARD_INFREQUENT_ACCESS" : "STANDARD";
  const classKey = tableClass === "STANDARD" ? "standard" : "standardIA";
  const className = tableClass === "STANDARD" ? "Standard" : "Standard-IA";
  const indexes = tableIndexes(table);
  const lines: CostLine[] = [];

  for (const name of Object.keys(tableUsage.indexes)) {
    if (!indexes.some((index) => index.name === name)) {
      throw new CostInputError(
        `${usage.file}: ${path}.indexes.${name}: the table has no such index (it has ${indexes.map((i) => i.name).join(", ") || "none"}); remove it`,
      );
    }
  }
  const itemBytes = use("averageItemBytes");
  const indexUsage = (index: IndexShape): IndexUsage => {
    const found = tableUsage.indexes[index.name];
    if (!found) {
      throw new CostInputError(
        `${usage.file}: ${path}.indexes.${index.name}: missing; the table has this ${index.projection} index: add itemShare, writeShare, averageProjectedBytes, readsPerMonth`,
      );
    }
    return found;
  };
  const useIndex = <K extends keyof IndexUsage>(index: IndexShape, key: K) =>
    estimator.use(`${path}.indexes.${index.name}.${String(key)}`, indexUsage(index)[key]);

  // Capacity: one dimension (table or index, read or write) at a time.
  const targets = Object.values(resources.aws_appautoscaling_target ?? {}).filter(
    (target) => target.service_namespace === "dynamodb" && referencedTable(target.resource_id, tables) === id,
  );
  // Expected requests matter only on demand (provisioned capacity is billed whatever is consumed), so
  // they are read (and reported as assumptions) only then.
  const capacity = (
    scope: string,
    indexName: string | undefined,
    dimension: "read" | "write",
    holder: Resource,
    expectedUnits: () => number,
  ) => {
    const label = `${scope} ${dimension} ${billingMode === "PROVISIONED" ? "capacity" : "requests"}`;
    if (billingMode === "PROVISIONED") {
      const key: PriceKey = `dynamodb.provisioned.${classKey}.${dimension === "read" ? "readCapacityUnitHour" : "writeCapacityUnitHour"}`;
      const unit = dimension === "read" ? "RCU" : "WCU";
      const scalable = `dynamodb:${indexName ? "index" : "table"}:${dimension === "read" ? "Read" : "Write"}CapacityUnits`;
      const target = targets.find(
        (t) =>
          t.scalable_dimension === scalable &&
          (indexName ? String(t.resource_id).endsWith(`/index/${indexName}`) : !String(t.resource_id).includes("/index/")),
      );
      const fixed = Number(holder[`${dimension}_capacity`] ?? 0);
      const [min, max] = target ? [Number(target.min_capacity), Number(target.max_capacity)] : [fixed, fixed];
      const range = min === max ? `${units(min)} ${unit}` : `${units(min)}..${units(max)} ${unit}`;
      lines.push(
        line(
          label,
          estimator.price(min * HOURS_PER_MONTH, key),
          estimator.price(max * HOURS_PER_MONTH, key),
          `${range} x ${HOURS_PER_MONTH} h x ${estimator.rateText(key)}${target ? "" : " (no autoscaling target: fixed)"}`,
        ),
      );
      return;
    }
    const key: PriceKey = `dynamodb.onDemand.${classKey}.${dimension === "read" ? "readRequestUnits" : "writeRequestUnits"}`;
    const requestUnitsPerMonth = expectedUnits();
    const throughput = (holder.on_demand_throughput ?? {}) as Resource;
    const cap = Number(throughput[`max_${dimension}_request_units`] ?? -1);
    const floor = estimator.price(requestUnitsPerMonth, key);
    const unit = dimension === "read" ? "RRU" : "WRU";
    if (!(cap > 0)) {
      lines.push(
        line(
          label,
          floor,
          { usd: null, note: `${UNBOUNDED}: no max_${dimension}_request_units cap` },
          `${units(requestUnitsPerMonth)} ${unit} x ${estimator.rateText(key)}; no cap`,
        ),
      );
      return;
    }
    if (requestUnitsPerMonth > cap * SECONDS_PER_MONTH) {
      estimator.warnings.push(
        `${id} ${scope} ${dimension}s: usage (${units(requestUnitsPerMonth)} ${unit}/month) exceeds the cap sustained all month; requests would be throttled`,
      );
    }
    lines.push(
      line(
        label,
        floor,
        estimator.price(cap * SECONDS_PER_MONTH, key),
        `floor ${units(requestUnitsPerMonth)} ${unit}; ceiling cap ${units(cap)} ${unit}/s x ${units(SECONDS_PER_MONTH)} s; x ${estimator.rateText(key)}`,
      ),
    );
  };

  capacity("table", undefined, "read", table, () => requestUnits.reads(use("readsPerMonth"), itemBytes));
  capacity("table", undefined, "write", table, () => requestUnits.writes(use("writesPerMonth"), itemBytes));
  for (const index of indexes) {
    const projected = useIndex(index, "averageProjectedBytes");
    if (index.projection !== "ALL" && projected > itemBytes) {
      estimator.warnings.push(
        `${usage.file}: ${path}.indexes.${index.name}.averageProjectedBytes (${projected}) is above the item size (${itemBytes}) but the index projects only ${index.projection === "KEYS_ONLY" ? "keys" : "some attributes"}`,
      );
    }
    capacity(`GSI ${index.name}`, index.name, "read", index.resource, () =>
      requestUnits.reads(useIndex(index, "readsPerMonth"), projected),
    );
    capacity(`GSI ${index.name}`, index.name, "write", index.resource, () =>
      requestUnits.writes(use("writesPerMonth") * useIndex(index, "writeShare"), projected),
    );
  }

  // Storage: the table and every index entry, at the table class's rate.
  const items = use("itemCount");
  const tableGB = storedGB(items, itemBytes);
  const indexGB = indexes.reduce(
    (sum, index) => sum + storedGB(items * useIndex(index, "itemShare"), useIndex(index, "averageProjectedBytes")),
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
  for (const [name] of attached("aws_dynamodb_kinesis_streaming_destination")) {
    const cdc = requestUnits.writes(use("writesPerMonth"), itemBytes);
    const amount = estimator.price(cdc, "dynamodb.kinesisStreaming.changeDataCaptureUnits");
    lines.push(
      line(
        `Kinesis streaming destination (${name})`,
        amount,
        amount,
        `${units(cdc)} change data capture units x ${estimator.rateText("dynamodb.kinesisStreaming.changeDataCaptureUnits")}`,
      ),
    );
  }
  // Contributor Insights: 2 rules per table or index (most accessed, most throttled partition keys),
  // 4 when it has a sort key, plus every item read and write as an event; in THROTTLED_KEYS mode only
  // throttled requests are events (floor 0). https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/contributorinsights_HowItWorks.html
  for (const [name, insights] of attached("aws_dynamodb_contributor_insights")) {
    const index = insights.index_name ? indexes.find((i) => i.name === insights.index_name) : undefined;
    const rules = (index ? index.resource.range_key : table.range_key) ? 4 : 2;
    const ruleCost = estimator.price(rules, "dynamodb.contributorInsights.ruleMonth");
    const events = index
      ? useIndex(index, "readsPerMonth") + use("writesPerMonth") * useIndex(index, "writeShare")
      : use("readsPerMonth") + use("writesPerMonth");
    const throttledOnly = insights.mode === "THROTTLED_KEYS";
    const eventCost = (count: number) => {
      const amount = estimator.price(count, "dynamodb.contributorInsights.events");
      return { usd: ruleCost.usd === null || amount.usd === null ? null : ruleCost.usd + amount.usd, note: ruleCost.note ?? amount.note };
    };
    lines.push(
      line(
        `contributor insights (${name})`,
        eventCost(throttledOnly ? 0 : events),
        eventCost(events),
        `${rules} rules x ${estimator.rateText("dynamodb.contributorInsights.ruleMonth")} + ${throttledOnly ? "up to " : ""}${units(events)} events x ${estimator.rateText("dynamodb.contributorInsights.events")}`,
      ),
    );
  }

  return { table: id, billingMode, tableClass, lines, ...totals(lines) };
}

function estimateResource(estimator: Estimator, type: string, name: string, resource: Resource): CostLine | undefined {
  const { usage } = estimator;
  const required = (section: "archive" | "notifications", field: string): number => {
    const value = (usage[section] as Record<string, number | undefined>)[field];
    if (value === undefined)
      throw new CostInputError(
        `${usage.file}: ${section}.${field}: required because the stack has ${type}.${name}; add the expected number`,
      );
    return estimator.use(`${section}.${field}`, value);
  };
  switch (type) {
    case "aws_kms_key": {
      const key = estimator.price(1, "kms.keyMonth");
      const rotations = resource.enable_key_rotation === true ? estimator.price(2, "kms.rotatedKeyVersionMonth") : { usd: 0 };
      const ceiling = {
        usd: key.usd === null || rotations.usd === null ? null : key.usd + rotations.usd,
        note: key.note ?? rotations.note,
      };
      return line(
        "KMS key",
        key,
        ceiling,
        `1 key x ${estimator.rateText("kms.keyMonth")}${resource.enable_key_rotation === true ? "; ceiling + 2 charged rotations" : ""} (requests not modelled)`,
      );
    }
    case "aws_cloudwatch_metric_alarm": {
      const queries = (resource.metric_query ?? []) as Resource[];
      const metrics = Math.max(1, queries.filter((query) => query.metric !== undefined).length);
      const highResolution = Number(resource.period ?? 60) < 60;
      const key: PriceKey = highResolution ? "cloudwatch.alarm.highResolution" : "cloudwatch.alarm.standardResolution";
      const amount = estimator.price(metrics, key);
      return line("CloudWatch alarm", amount, amount, `${metrics} alarm metric(s) x ${estimator.rateText(key)}`);
    }
    case "aws_sns_topic": {
      const publishes = required("notifications", "snsPublishesPerMonth");
      const amount = estimator.price(publishes, "sns.publishRequests");
      return line("SNS topic", amount, amount, `${units(publishes)} publishes x ${estimator.rateText("sns.publishRequests")}`);
    }
    case "aws_kinesis_stream": {
      const details = (resource.stream_mode_details ?? {}) as Resource;
      if (details.stream_mode === "ON_DEMAND") {
        const hours = estimator.price(HOURS_PER_MONTH, "kinesis.onDemand.streamHour");
        const dataIn = estimator.price(required("archive", "kinesisDataInGBPerMonth"), "kinesis.onDemand.dataInGB");
        const amount = { usd: hours.usd === null || dataIn.usd === null ? null : hours.usd + dataIn.usd, note: hours.note ?? dataIn.note };
        return line("Kinesis stream (on-demand)", amount, amount, `${HOURS_PER_MONTH} stream-hours + data in`);
      }
      const shards = Number(resource.shard_count ?? 1);
      const amount = estimator.price(shards * HOURS_PER_MONTH, "kinesis.provisioned.shardHour");
      return line(
        "Kinesis stream (provisioned)",
        amount,
        amount,
        `${shards} shard(s) x ${HOURS_PER_MONTH} h x ${estimator.rateText("kinesis.provisioned.shardHour")}`,
      );
    }
    case "aws_kinesis_firehose_delivery_stream": {
      const gb = required("archive", "firehoseIngestedGBPerMonth");
      const amount = estimator.price(gb, "firehose.ingestedGB");
      return line("Firehose delivery stream", amount, amount, `${units(gb)} GB x ${estimator.rateText("firehose.ingestedGB")}`);
    }
    case "aws_pipes_pipe": {
      const requests = required("archive", "pipeRequestsPerMonth");
      const amount = estimator.price(requests, "pipes.requests");
      return line("EventBridge pipe", amount, amount, `${units(requests)} requests x ${estimator.rateText("pipes.requests")}`);
    }
    default:
      return undefined;
  }
}

/** The environment's S3 buckets share the archive usage (stored GB and PUTs): one line for all of them. */
function estimateBuckets(estimator: Estimator, names: string[]): ResourceLine | undefined {
  if (names.length === 0) return undefined;
  const { usage } = estimator;
  const field = (name: "s3StoredGB" | "s3PutRequestsPerMonth") => {
    const value = usage.archive[name];
    if (value === undefined)
      throw new CostInputError(
        `${usage.file}: archive.${name}: required because the stack has aws_s3_bucket.${names[0]}; add the expected number`,
      );
    return estimator.use(`archive.${name}`, value);
  };
  const gb = field("s3StoredGB");
  const puts = field("s3PutRequestsPerMonth");
  const storage = estimator.price(gb, "s3.standard.gbMonth");
  const requests = estimator.price(puts, "s3.standard.putRequests");
  const amount = {
    usd: storage.usd === null || requests.usd === null ? null : storage.usd + requests.usd,
    note: storage.note ?? requests.note,
  };
  return {
    address: names.map((name) => `aws_s3_bucket.${name}`).join(", "),
    ...line(
      "S3 (Standard)",
      amount,
      amount,
      `${units(gb)} GB x ${estimator.rateText("s3.standard.gbMonth")} + ${units(puts)} PUTs x ${estimator.rateText("s3.standard.putRequests")}`,
    ),
  };
}

/** The region a stack deploys to (its AWS provider's `region`). */
export function stackRegion(stackName: string, stack: StackJson): string {
  const region = stack.provider?.aws?.[0]?.region;
  if (!region) throw new CostInputError(`stack ${stackName}: its aws provider has no region; cannot choose a price file`);
  return region;
}

/** Estimates one environment stack. */
export function estimateEnvironment(stackName: string, stack: StackJson, usage: Usage, prices: PriceTable): EnvironmentEstimate {
  const environment = stackName.slice(ENVIRONMENT_STACK_PREFIX.length);
  const resources = (stack.resource ?? {}) as Record<string, Record<string, Resource>>;
  const tables = resources.aws_dynamodb_table ?? {};
  for (const id of Object.keys(usage.tables)) {
    if (!(id in tables)) {
      throw new CostInputError(
        `${usage.file}: tables.${id}: no such table in ${stackName} (it has ${Object.keys(tables).join(", ")}); remove it or fix the name`,
      );
    }
  }
  const estimator = new Estimator(prices, usage);
  const tableEstimates = Object.keys(tables)
    .sort()
    .map((id) => estimateTable(estimator, id, tables[id], resources, tables));

  const resourceLines: ResourceLine[] = [];
  const free: Array<{ address: string; reason: string }> = [];
  const unpriced: Array<{ address: string; type: string }> = [];
  const tableScoped = new Set(["aws_dynamodb_table", "aws_dynamodb_kinesis_streaming_destination", "aws_dynamodb_contributor_insights"]);
  for (const type of Object.keys(resources).sort()) {
    if (tableScoped.has(type)) continue;
    if (type === "aws_s3_bucket") {
      const buckets = estimateBuckets(estimator, Object.keys(resources[type]).sort());
      if (buckets) resourceLines.push(buckets);
      continue;
    }
    for (const name of Object.keys(resources[type]).sort()) {
      const address = `${type}.${name}`;
      if (type in FREE_TYPES) {
        free.push({ address, reason: FREE_TYPES[type] });
        continue;
      }
      const priced = estimateResource(estimator, type, name, resources[type][name]);
      if (priced) resourceLines.push({ address, ...priced });
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
