/**
 * npm run cost:prices -- --offer <file> [--offer <file> ...] [--region <region>] [--prices <dir>]
 *
 * Refreshes cost/prices/<region>.json from AWS Price List offer files (the JSON of the Price List Bulk
 * API, e.g. https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonDynamoDB/current/eu-west-1/index.json):
 * every price key whose offer was given gets its SKU's OnDemand price with the offer's version and
 * publication date; the others are kept as they are. Without --region, every region that has a price
 * file. Every offer is read and checked before any file is written. See docs/cost.md.
 */
import { renameSync, readdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CostInputError } from "../cost/errors";
import { wrap } from "../config/output-width";
import { importOffers, PRICE_SOURCES, readOfferFile } from "../cost/price-list";
import { PRICES_DIRECTORY, readPriceFile } from "../cost/prices";

const USAGE = "usage: npm run cost:prices -- --offer <offer file> [--offer <offer file> ...] [--region <region>] [--prices <dir>]";

function main(argv: string[]): string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { offer: { type: "string", multiple: true }, region: { type: "string" }, prices: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CostInputError(`${(error as Error).message}\n${USAGE}`);
  }
  const files = values.offer ?? [];
  if (files.length === 0) throw new CostInputError(`--offer: required (an AWS Price List offer file, JSON)\n${USAGE}`);
  const directory = values.prices ?? PRICES_DIRECTORY;
  const offers = files.map((file) => ({ file, offer: readOfferFile(file) }));
  const known = new Set(Object.values(PRICE_SOURCES).map((source) => source.offerCode));
  for (const { file, offer } of offers) {
    if (!known.has(offer.offerCode)) {
      throw new CostInputError(`${file}: offerCode: ${offer.offerCode} has no price the estimate uses; one of ${[...known].join(", ")}`);
    }
    const twice = offers.find((other) => other.file !== file && other.offer.offerCode === offer.offerCode);
    if (twice) throw new CostInputError(`${file}: offerCode: ${offer.offerCode} is also in ${twice.file}; give one offer file per service`);
  }
  const regions = values.region
    ? [values.region]
    : readdirSync(directory)
        .filter((name) => name.endsWith(".json"))
        .map((name) => name.slice(0, -".json".length));
  // Read and import everything first: a bad input leaves every price file as it was.
  const results = regions.map((region) => {
    const { file, data } = readPriceFile(region, directory);
    return { region, file, result: importOffers(region, data, offers) };
  });
  const report: string[] = [];
  for (const { region, file, result } of results) {
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(result.prices, null, 2)}\n`);
    renameSync(temporary, file);
    report.push(
      `${file}: ${result.updated.length} price(s) from ${offers.map((o) => `${o.offer.offerCode} ${o.offer.version}`).join(", ")}`,
    );
    for (const u of result.updated) report.push(`  ${u.key}: ${u.before ?? "unknown"} -> ${u.after} (SKU ${u.sku}, ${u.usageType})`);
    for (const m of result.missing) report.push(`  MISSING ${m.key}: ${m.reason}; kept the current entry`);
    if (result.notRead.length > 0)
      report.push(`  kept ${result.notRead.length} price(s) no offer was read for (${region}): ${result.notRead.join(", ")}`);
  }
  return report.flatMap((l) => wrap(l, undefined, "      ")).join("\n");
}

try {
  console.log(main(process.argv.slice(2)));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
