/**
 * The monthly cost of one environment, from its synthesized stack (cdk.tf.json) and its usage file:
 * whatever the stack deploys is priced, or listed as unpriced; nothing is silently zero. Every billing
 * rule (rounding, what is billed, the provisioned floor) is a named function in billing-rules.ts with
 * the AWS page it comes from; this file wires resources and usage to them.
 *
 * Data flows the stack declares are followed, not asked for: a table's Kinesis streaming destination
 * carries its writes and TTL expiries into the stream, a Firehose stream reading that stream carries
 * them to its S3 bucket, and the bucket's lifecycle rules decide where the bytes sit (archive-path.ts).
 * The shared plumbing (a priced line, the Estimator) is in estimator.ts.
 */
import type { PriceKey, PriceTable } from "./prices";
import { ENVIRONMENT_STACK_PREFIX } from "../config/environment-bounds";
import { CostInputError } from "./errors";
import type { IndexUsage, TableUsage, Usage } from "./usage";
import {
  changeDataCaptureUnits,
  contributorInsightsEvents,
  contributorInsightsRules,
  dynamoDbStoredGB,
  HOURS_PER_MONTH,
  itemChangesPerMonth,
  provisionedFloorUnits,
  readRequestUnits,
  SECONDS_PER_MONTH,
  writeRequestUnits,
  type ContributorInsightsMode,
} from "./billing-rules";
import { archiveFlows, estimateBucket, estimateFirehose, estimateKinesisStream, type ArchiveFlows, type ChangeFlow } from "./archive-path";
import {
  Estimator,
  line,
  referenced,
  referencedTable,
  requiredUsage,
  sum,
  totals,
  UNBOUNDED,
  units,
  type CostLine,
  type Resource,
  type Resources,
  type Totals,
} from "./estimator";

export { HOURS_PER_MONTH, SECONDS_PER_MONTH } from "./billing-rules";
export { isUnbounded, type CostLine, type Totals } from "./estimator";

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
  aws_s3_bucket_replication_configuration: "configuration of a priced bucket (replication requests not modelled)",
  aws_cloudwatch_log_group: "Firehose's delivery-error log: billed per GB ingested (not modelled)",
  aws_cloudwatch_log_stream: "part of its log group",
  terraform_data: "not an AWS resource",
};

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
    // A table with no changes (e.g. priced with default usage) sends nothing: no record size needed.
    if (stream && changes > 0) {
      const recordBytes = tableUsage.changeRecordBytes;
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
    case "aws_kinesis_firehose_delivery_stream":
      return estimateFirehose(estimator, name, archive);
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

  const archive = archiveFlows(resources, flows);

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
