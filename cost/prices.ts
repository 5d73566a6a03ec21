/**
 * Prices as data: `cost/prices/<region>.json`, one entry per billing dimension. A "sourced" price was
 * read from an AWS Price List offer file by `npm run cost:prices` and carries the offer's SKU, usage
 * type, version and publication date (`offer`); an "approximation" names its AWS basis; a price nobody
 * could source is `usd: null` (status "unknown") and every cost that needs it is reported as unknown,
 * never as zero.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "../config/zod";
import { CostInputError } from "./errors";
import { projectRoot } from "../stacks/project-root";

/** Every billing dimension the estimate uses. A price file must have all of them (usd may be null). */
export const PRICE_KEYS = [
  "dynamodb.provisioned.standard.writeCapacityUnitHour",
  "dynamodb.provisioned.standard.readCapacityUnitHour",
  "dynamodb.provisioned.standardIA.writeCapacityUnitHour",
  "dynamodb.provisioned.standardIA.readCapacityUnitHour",
  "dynamodb.onDemand.standard.writeRequestUnits",
  "dynamodb.onDemand.standard.readRequestUnits",
  "dynamodb.onDemand.standardIA.writeRequestUnits",
  "dynamodb.onDemand.standardIA.readRequestUnits",
  "dynamodb.storage.standard.gbMonth",
  "dynamodb.storage.standardIA.gbMonth",
  "dynamodb.pitr.gbMonth",
  "dynamodb.streams.readRequestUnits",
  "dynamodb.kinesisStreaming.changeDataCaptureUnits",
  "dynamodb.contributorInsights.ruleMonth",
  "dynamodb.contributorInsights.events",
  "kinesis.onDemand.streamHour",
  "kinesis.onDemand.dataInGB",
  "kinesis.onDemand.dataRetrievalGB",
  "kinesis.onDemand.extendedRetentionGBMonth",
  "kinesis.onDemand.longTermRetentionGBMonth",
  "kinesis.provisioned.shardHour",
  "kinesis.provisioned.extendedRetentionShardHour",
  "firehose.ingestedGB",
  "pipes.requests",
  "s3.standard.gbMonth",
  "s3.standard.putRequests",
  "s3.glacierIR.gbMonth",
  "s3.glacierIR.transitionRequests",
  "s3.deepArchive.gbMonth",
  "s3.deepArchive.transitionRequests",
  "cloudwatch.alarm.standardResolution",
  "cloudwatch.alarm.highResolution",
  "sns.publishRequests",
  "kms.keyMonth",
  "kms.rotatedKeyVersionMonth",
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Where a "sourced" price was read: one SKU's OnDemand price dimension in an AWS Price List offer file. */
const offerReference = z.strictObject({
  offerCode: z.string().min(1),
  /** The offer file's `version`. */
  version: z.string().min(1),
  /** The offer file's `publicationDate` (ISO 8601). */
  publicationDate: z.string().min(1),
  sku: z.string().min(1),
  usageType: z.string().min(1),
  rateCode: z.string().min(1),
});
export type OfferReference = z.infer<typeof offerReference>;

const price = z
  .strictObject({
    /** USD for `per` units; null when it could not be sourced. */
    usd: z.number({ error: "must be a number of USD, or null when unknown" }).nonnegative("must not be negative").nullable(),
    /** How many units `usd` buys (1000000 for "per million"). */
    per: z.number({ error: "required: how many units the price is for" }).positive("must be above 0"),
    unit: z.string().min(1, "required: what is counted"),
    status: z.enum(["sourced", "approximation", "unknown"], { error: 'must be "sourced", "approximation" or "unknown"' }),
    /** Public URL(s) it was read from, or for an approximation what it was derived from. */
    source: z.string().min(1, "required: the public source"),
    /** The date it was read (YYYY-MM-DD). */
    read: z.string().regex(ISO_DATE, "must be the date it was read, YYYY-MM-DD"),
    /** The offer file, SKU and usage type a sourced price was imported from (`npm run cost:prices`). */
    offer: offerReference.optional(),
  })
  .superRefine((entry, ctx) => {
    if ((entry.usd === null) !== (entry.status === "unknown")) {
      ctx.addIssue({ code: "custom", path: ["status"], message: 'must be "unknown" exactly when usd is null' });
    }
  });
export type Price = z.infer<typeof price>;

const priceFile = z.strictObject({
  $comment: z.string().optional(),
  region: z.string({ error: "required: the region these prices are for" }),
  prices: z.record(z.string(), price),
});

/** One override: any subset of a price's fields; usd and source are required so an override says where it came from. */
const priceOverride = z.strictObject({
  usd: z.number({ error: "must be a number of USD" }).nonnegative("must not be negative"),
  per: z.number().positive("must be above 0").optional(),
  source: z.string({ error: "required: where this price comes from (e.g. your contract)" }).min(1),
  read: z.string({ error: "required: the date the price was agreed or read, YYYY-MM-DD" }).regex(ISO_DATE, "must be YYYY-MM-DD"),
});
const overrideFile = z.record(z.string(), z.record(z.string(), priceOverride));

export type PriceTable = { readonly region: string; readonly prices: Readonly<Record<PriceKey, Price & { overridden?: true }>> };

export const PRICES_DIRECTORY = join(projectRoot(), "cost", "prices");

function issuesMessage(file: string, error: z.ZodError): string {
  return error.issues.map((issue) => `${file}: ${issue.path.map(String).join(".") || "(file)"}: ${issue.message}`).join("\n");
}

export function readJson(file: string): unknown {
  if (!existsSync(file)) throw new CostInputError(`${file}: not found`);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CostInputError(`${file}: not valid JSON (${(error as Error).message}); fix the syntax`);
  }
}

export type PriceFile = z.infer<typeof priceFile>;

/** `<directory>/<region>.json`, validated: every price key present, no others, the right region. */
export function readPriceFile(region: string, directory = PRICES_DIRECTORY): { file: string; data: PriceFile } {
  const file = join(directory, `${region}.json`);
  if (!existsSync(file)) {
    throw new CostInputError(
      `${file}: no price file for region ${region}; add one (copy cost/prices/eu-west-1.json and re-source every price) or deploy to a supported region`,
    );
  }
  const parsed = priceFile.safeParse(readJson(file));
  if (!parsed.success) throw new CostInputError(issuesMessage(file, parsed.error));
  if (parsed.data.region !== region) {
    throw new CostInputError(`${file}: region: is "${parsed.data.region}" but the file is for ${region}; fix one of them`);
  }
  const missing = PRICE_KEYS.filter((key) => !(key in parsed.data.prices));
  if (missing.length > 0) {
    throw new CostInputError(
      missing.map((key) => `${file}: prices.${key}: missing; add it (usd: null, status: "unknown" if it cannot be sourced)`).join("\n"),
    );
  }
  const unknownKeys = Object.keys(parsed.data.prices).filter((key) => !(PRICE_KEYS as readonly string[]).includes(key));
  if (unknownKeys.length > 0) {
    throw new CostInputError(unknownKeys.map((key) => `${file}: prices.${key}: not a price the estimate uses; remove it`).join("\n"));
  }
  return { file, data: parsed.data };
}

/**
 * The prices for `region` from `<directory>/<region>.json`, with the overrides for that region applied.
 * Throws naming the file and field when the region has no file, a price is missing or malformed.
 */
export function loadPrices(region: string, directory = PRICES_DIRECTORY, overridesFile?: string): PriceTable {
  const parsed = readPriceFile(region, directory);
  const prices = { ...parsed.data.prices } as Record<PriceKey, Price & { overridden?: true }>;
  if (overridesFile) {
    const overrides = overrideFile.safeParse(readJson(overridesFile));
    if (!overrides.success) throw new CostInputError(issuesMessage(overridesFile, overrides.error));
    for (const [key, override] of Object.entries(overrides.data[region] ?? {})) {
      if (!(PRICE_KEYS as readonly string[]).includes(key)) {
        throw new CostInputError(`${overridesFile}: ${region}.${key}: not a price the estimate uses; one of ${PRICE_KEYS.join(", ")}`);
      }
      // The override replaces the price and its provenance: the base's offer no longer describes it.
      const { offer: _replaced, ...base } = prices[key as PriceKey]; // eslint-disable-line @typescript-eslint/no-unused-vars
      prices[key as PriceKey] = { ...base, ...override, status: "sourced", overridden: true };
    }
  }
  return { region, prices };
}

/** USD per single unit, or undefined when the price is unknown. */
export function unitRate(table: PriceTable, key: PriceKey): number | undefined {
  const entry = table.prices[key];
  return entry.usd === null ? undefined : entry.usd / entry.per;
}
