/**
 * Reads AWS Price List Bulk API offer files (JSON) into a region's price file: each price key is one
 * product (SKU) found by its `regionCode` and `usagetype` attributes, priced by its OnDemand term's
 * price dimension, converted to the key's unit and recorded with the offer's code, version,
 * publication date, SKU, usage type and rate code.
 *
 * Offer file format: https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-service-price-list-file-for-services.html
 * (formatVersion, offerCode, version, publicationDate, products{sku: {sku, productFamily, attributes}},
 * terms.OnDemand{sku: {offerTermCode: {sku, effectiveDate, priceDimensions{rateCode: {rateCode, unit,
 * beginRange, endRange, pricePerUnit{USD}}}}}}).
 *
 * A key whose product is not in an offer that was read is reported as missing and keeps its current
 * entry; so a usage type below that AWS names differently shows up as "missing", never as a wrong price.
 */
import * as z from "../config/zod";
import { CostInputError } from "./errors";
import { PRICE_KEYS, readJson, type Price, type PriceFile, type PriceKey } from "./prices";

/** Usage types carry a region prefix ("EU-WriteCapacityUnit-Hrs"); us-east-1 has none. */
export const USAGE_TYPE_PREFIX: Readonly<Record<string, string>> = {
  "us-east-1": "",
  "us-east-2": "USE2-",
  "us-west-2": "USW2-",
  "eu-west-1": "EU-",
  "eu-west-2": "EUW2-",
  "eu-central-1": "EUC1-",
};

interface PriceSource {
  readonly offerCode: string;
  /** The usage type after the region prefix. */
  readonly usageType: string;
  /** Other product attributes that must match, where several products share a usage type. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Offer price dimension units accepted, each with the factor from one offer unit to one of the key's units. */
  readonly units: Readonly<Record<string, number>>;
}

const PER_GB_MONTH = { "GB-Mo": 1 };
const PER_GB = { GB: 1 };
const PER_HOUR = { Hrs: 1, StreamHr: 1 };

/**
 * Where each price key is in the Price List. Offers read: AmazonDynamoDB, AmazonKinesis,
 * AmazonKinesisFirehose, AmazonS3, awskms, AmazonCloudWatch (EventBridge Pipes and SNS are not
 * imported: their prices stay approximations). Usage types as AWS's usage reports name them:
 * DynamoDB's (REG-Streams-Requests, REG-ChangeDataCaptureUnits-Kinesis, and Contributor Insights' under
 * AmazonCloudWatch: REG-CW:ContributorRulesManaged, REG-CW:ContributorEventsManaged) in
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-understanding-billing.html,
 * S3's (Requests-Tier3 / Requests-Tier4: lifecycle transitions, told apart by `operation`; TimedStorage-GIR-ByteHrs,
 * TimedStorage-GDA-ByteHrs) in https://docs.aws.amazon.com/AmazonS3/latest/userguide/aws-usage-report-understand.html.
 * Kinesis's (OnDemand-StreamHour, -BilledIncomingBytes, -BilledOutgoingBytes, -ExtendedRetention-ByteHrs,
 * -LongTermRetention-ByteHrs, Storage-ShardHour, Extended-ShardHour) cross-checked against infracost's Price List
 * filters (internal/resources/aws/kinesis_stream.go). The units' spelling in offer files and the `alarmType` attribute
 * are not confirmed against a real offer file yet: a wrong one is reported as MISSING, never imported as a wrong price.
 */
export const PRICE_SOURCES: Readonly<Partial<Record<PriceKey, PriceSource>>> = {
  "dynamodb.provisioned.standard.writeCapacityUnitHour": {
    offerCode: "AmazonDynamoDB",
    usageType: "WriteCapacityUnit-Hrs",
    units: { "WriteCapacityUnit-Hrs": 1, "WCU-hours": 1 },
  },
  "dynamodb.provisioned.standard.readCapacityUnitHour": {
    offerCode: "AmazonDynamoDB",
    usageType: "ReadCapacityUnit-Hrs",
    units: { "ReadCapacityUnit-Hrs": 1, "RCU-hours": 1 },
  },
  "dynamodb.provisioned.standardIA.writeCapacityUnitHour": {
    offerCode: "AmazonDynamoDB",
    usageType: "IA-WriteCapacityUnit-Hrs",
    units: { "WriteCapacityUnit-Hrs": 1, "WCU-hours": 1 },
  },
  "dynamodb.provisioned.standardIA.readCapacityUnitHour": {
    offerCode: "AmazonDynamoDB",
    usageType: "IA-ReadCapacityUnit-Hrs",
    units: { "ReadCapacityUnit-Hrs": 1, "RCU-hours": 1 },
  },
  "dynamodb.onDemand.standard.writeRequestUnits": {
    offerCode: "AmazonDynamoDB",
    usageType: "WriteRequestUnits",
    units: { WriteRequestUnits: 1 },
  },
  "dynamodb.onDemand.standard.readRequestUnits": {
    offerCode: "AmazonDynamoDB",
    usageType: "ReadRequestUnits",
    units: { ReadRequestUnits: 1 },
  },
  "dynamodb.onDemand.standardIA.writeRequestUnits": {
    offerCode: "AmazonDynamoDB",
    usageType: "IA-WriteRequestUnits",
    units: { WriteRequestUnits: 1 },
  },
  "dynamodb.onDemand.standardIA.readRequestUnits": {
    offerCode: "AmazonDynamoDB",
    usageType: "IA-ReadRequestUnits",
    units: { ReadRequestUnits: 1 },
  },
  "dynamodb.storage.standard.gbMonth": { offerCode: "AmazonDynamoDB", usageType: "TimedStorage-ByteHrs", units: PER_GB_MONTH },
  "dynamodb.storage.standardIA.gbMonth": { offerCode: "AmazonDynamoDB", usageType: "IA-TimedStorage-ByteHrs", units: PER_GB_MONTH },
  "dynamodb.pitr.gbMonth": { offerCode: "AmazonDynamoDB", usageType: "TimedPITRStorage-ByteHrs", units: PER_GB_MONTH },
  "dynamodb.streams.readRequestUnits": { offerCode: "AmazonDynamoDB", usageType: "Streams-Requests", units: { Requests: 1, Count: 1 } },
  "dynamodb.kinesisStreaming.changeDataCaptureUnits": {
    offerCode: "AmazonDynamoDB",
    usageType: "ChangeDataCaptureUnits-Kinesis",
    units: { ChangeDataCaptureUnits: 1, "CDC Units": 1 },
  },
  "dynamodb.contributorInsights.ruleMonth": {
    offerCode: "AmazonCloudWatch",
    usageType: "CW:ContributorRulesManaged",
    units: { Rules: 1, "Rule count": 1 },
  },
  "dynamodb.contributorInsights.events": {
    offerCode: "AmazonCloudWatch",
    usageType: "CW:ContributorEventsManaged",
    units: { Events: 1, "Events processed": 1 },
  },
  "kinesis.onDemand.streamHour": { offerCode: "AmazonKinesis", usageType: "OnDemand-StreamHour", units: PER_HOUR },
  "kinesis.onDemand.dataInGB": { offerCode: "AmazonKinesis", usageType: "OnDemand-BilledIncomingBytes", units: PER_GB },
  "kinesis.onDemand.dataRetrievalGB": { offerCode: "AmazonKinesis", usageType: "OnDemand-BilledOutgoingBytes", units: PER_GB },
  "kinesis.onDemand.extendedRetentionGBMonth": {
    offerCode: "AmazonKinesis",
    usageType: "OnDemand-ExtendedRetention-ByteHrs",
    units: PER_GB_MONTH,
  },
  "kinesis.onDemand.longTermRetentionGBMonth": {
    offerCode: "AmazonKinesis",
    usageType: "OnDemand-LongTermRetention-ByteHrs",
    units: PER_GB_MONTH,
  },
  "kinesis.provisioned.shardHour": { offerCode: "AmazonKinesis", usageType: "Storage-ShardHour", units: { ShardHour: 1 } },
  "kinesis.provisioned.extendedRetentionShardHour": {
    offerCode: "AmazonKinesis",
    usageType: "Extended-ShardHour",
    units: { ShardHour: 1 },
  },
  "firehose.ingestedGB": { offerCode: "AmazonKinesisFirehose", usageType: "BilledBytes", units: PER_GB },
  "s3.standard.gbMonth": { offerCode: "AmazonS3", usageType: "TimedStorage-ByteHrs", units: PER_GB_MONTH },
  "s3.standard.putRequests": { offerCode: "AmazonS3", usageType: "Requests-Tier1", units: { Requests: 1 } },
  "s3.glacierIR.gbMonth": { offerCode: "AmazonS3", usageType: "TimedStorage-GIR-ByteHrs", units: PER_GB_MONTH },
  "s3.glacierIR.transitionRequests": {
    offerCode: "AmazonS3",
    usageType: "Requests-Tier4",
    attributes: { operation: "S3-GIRTransition" },
    units: { Requests: 1 },
  },
  "s3.deepArchive.gbMonth": { offerCode: "AmazonS3", usageType: "TimedStorage-GDA-ByteHrs", units: PER_GB_MONTH },
  "s3.deepArchive.transitionRequests": {
    offerCode: "AmazonS3",
    usageType: "Requests-Tier3",
    attributes: { operation: "S3-GDATransition" },
    units: { Requests: 1 },
  },
  "cloudwatch.alarm.standardResolution": {
    offerCode: "AmazonCloudWatch",
    usageType: "CW:AlarmMonitorUsage",
    attributes: { alarmType: "Standard" },
    units: { Alarms: 1 },
  },
  "cloudwatch.alarm.highResolution": {
    offerCode: "AmazonCloudWatch",
    usageType: "CW:AlarmMonitorUsage",
    attributes: { alarmType: "High Resolution" },
    units: { Alarms: 1 },
  },
  "kms.keyMonth": { offerCode: "awskms", usageType: "KMS-Keys", units: { Keys: 1 } },
  "kms.rotatedKeyVersionMonth": { offerCode: "awskms", usageType: "KMS-Keys", units: { Keys: 1 } },
};

const text = (what: string) => z.string({ error: `required: ${what}` }).min(1, `required: ${what}`);
const priceDimension = z.object({
  rateCode: text("the rate code"),
  unit: text("the unit the price is per"),
  beginRange: z.string().optional(),
  endRange: z.string().optional(),
  pricePerUnit: z.object(
    {
      USD: z
        .string({ error: "required: the price in USD, as a string" })
        .regex(/^\d+(\.\d+)?$/, "must be a non-negative decimal number of USD, as a string"),
    },
    { error: "required: pricePerUnit with USD" },
  ),
});
const offerTerm = z.object({
  sku: text("the SKU"),
  priceDimensions: z.record(z.string(), priceDimension, { error: "required: priceDimensions" }),
});
const offerFile = z.object({
  formatVersion: text("the offer file format version"),
  offerCode: text("the offer code, e.g. AmazonDynamoDB"),
  version: text("the offer version"),
  publicationDate: text("the publication date"),
  products: z.record(
    z.string(),
    z.object({ sku: text("the SKU"), attributes: z.record(z.string(), z.string(), { error: "required: attributes" }) }),
    { error: "required: products by SKU" },
  ),
  terms: z.object(
    { OnDemand: z.record(z.string(), z.record(z.string(), offerTerm), { error: "required: OnDemand terms by SKU" }) },
    { error: "required: terms with OnDemand" },
  ),
});
export type OfferFile = z.infer<typeof offerFile>;

/** Reads and checks one offer file; a malformed one is refused naming the file and the field. */
export function readOfferFile(file: string): OfferFile {
  const parsed = offerFile.safeParse(readJson(file));
  if (!parsed.success) {
    throw new CostInputError(
      parsed.error.issues
        .map(
          (issue) =>
            `${file}: ${issue.path.map(String).join(".") || "(file)"}: ${issue.message}; not an AWS Price List offer file (JSON), see docs/cost.md`,
        )
        .join("\n"),
    );
  }
  return parsed.data;
}

export interface ImportResult {
  /** The price file's content after the import. */
  readonly prices: PriceFile;
  readonly updated: ReadonlyArray<{ key: PriceKey; before: number | null; after: number; sku: string; usageType: string }>;
  /** Keys whose offer was read but whose product or price was not found (their entry is kept). */
  readonly missing: ReadonlyArray<{ key: PriceKey; reason: string }>;
  /** Keys no offer file was given for (their entry is kept, labelled as before). */
  readonly notRead: readonly PriceKey[];
}

/** Significant digits kept from a price times its unit factor (binary floating point noise dropped). */
const PRECISION = 12;

/** Applies the offers to a region's price file; pure: returns the new content and what changed. */
export function importOffers(region: string, current: PriceFile, offers: ReadonlyArray<{ file: string; offer: OfferFile }>): ImportResult {
  const prefix = USAGE_TYPE_PREFIX[region];
  if (prefix === undefined) {
    throw new CostInputError(
      `--region ${region}: its usage-type prefix is not known; add it to USAGE_TYPE_PREFIX in cost/price-list.ts (one of ${Object.keys(USAGE_TYPE_PREFIX).join(", ")})`,
    );
  }
  const prices: Record<string, Price> = { ...current.prices };
  const updated: Array<ImportResult["updated"][number]> = [];
  const missing: Array<ImportResult["missing"][number]> = [];
  const notRead: PriceKey[] = [];
  for (const key of PRICE_KEYS) {
    const source = PRICE_SOURCES[key];
    const read = source && offers.find((o) => o.offer.offerCode === source.offerCode);
    if (!source || !read) {
      notRead.push(key);
      continue;
    }
    const { file, offer } = read;
    const usageType = `${prefix}${source.usageType}`;
    const wanted: Record<string, string> = { regionCode: region, usagetype: usageType, ...source.attributes };
    const products = Object.values(offer.products).filter((p) =>
      Object.entries(wanted).every(([name, value]) => p.attributes[name] === value),
    );
    const matching = Object.entries(wanted)
      .map(([name, value]) => `${name} ${value}`)
      .join(", ");
    if (products.length !== 1) {
      missing.push({
        key,
        reason: `${file}: ${products.length === 0 ? "no SKU" : `${products.length} SKUs (${products.map((p) => p.sku).join(", ")})`} with ${matching}`,
      });
      continue;
    }
    const { sku } = products[0];
    const terms = Object.values(offer.terms.OnDemand[sku] ?? {});
    // Free tiers are price-0 dimensions of their own and are not applied here; a tiered price (S3
    // storage, Firehose ingestion) is taken at its first paid tier, where our volumes are.
    const dimensions = terms
      .flatMap((term) => Object.values(term.priceDimensions))
      .sort((a, b) => Number(a.beginRange ?? "0") - Number(b.beginRange ?? "0"));
    const dimension = dimensions.find((d) => Number(d.pricePerUnit.USD) > 0) ?? dimensions[0];
    if (!dimension) {
      missing.push({ key, reason: `${file}: terms.OnDemand.${sku}: no OnDemand price dimension for SKU ${sku}` });
      continue;
    }
    const factor = source.units[dimension.unit];
    if (factor === undefined) {
      missing.push({
        key,
        reason: `${file}: terms.OnDemand.${sku}: priceDimensions.${dimension.rateCode}.unit is "${dimension.unit}", expected ${Object.keys(source.units).join(" or ")}`,
      });
      continue;
    }
    const before = prices[key];
    const usd = Number((Number(dimension.pricePerUnit.USD) * factor * before.per).toPrecision(PRECISION));
    prices[key] = {
      usd,
      per: before.per,
      unit: before.unit,
      status: "sourced",
      source: `AWS Price List offer ${offer.offerCode} version ${offer.version} (${region}): SKU ${sku}, usage type ${usageType}`,
      read: offer.publicationDate.slice(0, 10),
      offer: {
        offerCode: offer.offerCode,
        version: offer.version,
        publicationDate: offer.publicationDate,
        sku,
        usageType,
        rateCode: dimension.rateCode,
      },
    };
    updated.push({ key, before: before.usd, after: usd, sku, usageType });
  }
  return { prices: { ...current, prices }, updated, missing, notRead };
}
