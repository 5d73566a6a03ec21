/**
 * The Price List importer on the labelled test fixture (__tests__/fixtures/cost/price-list/: offer
 * files in AWS's Price List Bulk API format with made-up SKUs and round prices).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importOffers, readOfferFile, type ImportResult } from "../../cost/price-list";
import { readPriceFile } from "../../cost/prices";
import { COST_FIXTURES, FIXTURE_PRICES } from "../helpers/cost-fixtures";

const OFFERS = join(COST_FIXTURES, "price-list");
const DYNAMODB = join(OFFERS, "AmazonDynamoDB.fixture.json");
const S3 = join(OFFERS, "AmazonS3.fixture.json");

const run = (region = "eu-west-1"): ImportResult =>
  importOffers(
    region,
    readPriceFile("eu-west-1", FIXTURE_PRICES).data,
    [DYNAMODB, S3].map((file) => ({ file, offer: readOfferFile(file) })),
  );

describe("cost:prices: importing offer files", () => {
  it("GIVEN the DynamoDB offer WHEN imported for eu-west-1 THEN the price is its SKU's, with the offer's version and date", () => {
    expect(run().prices.prices["dynamodb.provisioned.standard.writeCapacityUnitHour"]).toEqual({
      usd: 0.001,
      per: 1,
      unit: "WCU-hour",
      status: "sourced",
      source:
        "AWS Price List offer AmazonDynamoDB version 20261120180000 (eu-west-1): SKU FXDDBWCU000000001, usage type EU-WriteCapacityUnit-Hrs",
      read: "2026-11-20",
      offer: {
        offerCode: "AmazonDynamoDB",
        version: "20261120180000",
        publicationDate: "2026-11-20T18:00:00Z",
        sku: "FXDDBWCU000000001",
        usageType: "EU-WriteCapacityUnit-Hrs",
        rateCode: "FXDDBWCU000000001.JRTCKXETXF.1",
      },
    });
  });

  it("GIVEN another region WHEN imported THEN that region's SKU is chosen (regionCode and its usage-type prefix)", () => {
    // us-east-1's usage types have no prefix: WriteCapacityUnit-Hrs, SKU FXDDBWCU0000USE1 at $0.0009
    const updated = run("us-east-1").updated.find((u) => u.key === "dynamodb.provisioned.standard.writeCapacityUnitHour");
    expect(updated).toEqual(expect.objectContaining({ sku: "FXDDBWCU0000USE1", usageType: "WriteCapacityUnit-Hrs", after: 0.0009 }));
  });

  it("GIVEN prices per single unit in the offer WHEN imported THEN they are converted to the file's units", () => {
    const prices = run().prices.prices;
    // $0.0000012500 per write request unit x 1,000,000 = $1.25 per million
    expect([
      prices["dynamodb.onDemand.standard.writeRequestUnits"].usd,
      prices["dynamodb.onDemand.standard.writeRequestUnits"].per,
    ]).toEqual([1.25, 1_000_000]);
    // $0.0000050000 per request x 1,000 = $0.005 per 1,000 PUTs
    expect([prices["s3.standard.putRequests"].usd, prices["s3.standard.putRequests"].per]).toEqual([0.005, 1000]);
  });

  it("GIVEN a tiered price WHEN imported THEN the first tier (from 0) is taken", () => {
    // S3 Standard: $0.025 for 0..51,200 GB, $0.024 and $0.023 above
    expect(run().prices.prices["s3.standard.gbMonth"].usd).toBe(0.025);
  });

  it("GIVEN a free tier before the paid one WHEN imported THEN the first paid tier is taken (free tiers are not applied)", () => {
    // DynamoDB Streams: $0 for 0..2,500,000 requests, then $0.0000002 per request x 100,000 = $0.02 per 100,000
    expect(run().prices.prices["dynamodb.streams.readRequestUnits"]).toEqual(
      expect.objectContaining({ usd: 0.02, per: 100_000, status: "sourced" }),
    );
  });

  it("GIVEN products sharing a usage type WHEN imported THEN the key's other attribute picks one (lifecycle transitions by operation)", () => {
    // EU-Requests-Tier4 holds transitions to Standard-IA ($0.00001) and to Glacier IR ($0.00002): x 1,000 = $0.02 per 1,000
    const price = run().prices.prices["s3.glacierIR.transitionRequests"];
    expect([price.usd, price.per, price.offer?.sku]).toEqual([0.02, 1000, "FXS3GIRTRANS00001"]);
  });

  it("GIVEN an offer without a key's SKU WHEN imported THEN it is reported missing and the entry kept", () => {
    const result = run();
    expect(result.missing).toContainEqual({
      key: "dynamodb.storage.standardIA.gbMonth",
      reason: `${DYNAMODB}: no SKU with regionCode eu-west-1, usagetype EU-IA-TimedStorage-ByteHrs`,
    });
    expect(result.prices.prices["dynamodb.storage.standardIA.gbMonth"]).toEqual(
      readPriceFile("eu-west-1", FIXTURE_PRICES).data.prices["dynamodb.storage.standardIA.gbMonth"],
    );
  });

  it("GIVEN a SKU priced in another unit than the key's WHEN imported THEN it is refused as missing, naming the unit", () => {
    expect(run().missing).toContainEqual({
      key: "dynamodb.pitr.gbMonth",
      reason: `${DYNAMODB}: terms.OnDemand.FXDDBPITR00000001: priceDimensions.FXDDBPITR00000001.JRTCKXETXF.1.unit is "GB", expected GB-Mo`,
    });
  });

  it("GIVEN offers for two services WHEN imported THEN keys of the others are kept as they were and listed", () => {
    const result = run();
    expect(result.notRead).toContain("kinesis.onDemand.streamHour");
    expect(result.notRead).toContain("firehose.ingestedGB");
    expect(result.updated.map((u) => u.key)).toEqual([
      "dynamodb.provisioned.standard.writeCapacityUnitHour",
      "dynamodb.provisioned.standard.readCapacityUnitHour",
      "dynamodb.onDemand.standard.writeRequestUnits",
      "dynamodb.storage.standard.gbMonth",
      "dynamodb.streams.readRequestUnits",
      "s3.standard.gbMonth",
      "s3.standard.putRequests",
      "s3.glacierIR.transitionRequests",
    ]);
  });
});

describe("cost:prices: malformed offer files are refused naming the file and field", () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), "cost-price-list-"));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  // Bad input is, by definition, not what the types allow.
  type AnyRecord = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const withEdit = (edit: (offer: AnyRecord) => void) => {
    const offer = JSON.parse(readFileSync(DYNAMODB, "utf8")) as AnyRecord;
    edit(offer);
    const file = join(scratch, "offer.json");
    writeFileSync(file, JSON.stringify(offer));
    return file;
  };

  it("GIVEN an offer without OnDemand terms WHEN read THEN it fails naming terms.OnDemand", () => {
    const file = withEdit((offer) => delete offer.terms.OnDemand);
    expect(() => readOfferFile(file)).toThrow(
      `${file}: terms.OnDemand: required: OnDemand terms by SKU; not an AWS Price List offer file (JSON), see docs/cost.md`,
    );
  });

  it("GIVEN a price that is not a number WHEN read THEN it fails naming the price dimension's field", () => {
    const file = withEdit((offer) => {
      offer.terms.OnDemand.FXDDBWCU000000001["FXDDBWCU000000001.JRTCKXETXF"].priceDimensions[
        "FXDDBWCU000000001.JRTCKXETXF.1"
      ].pricePerUnit.USD = "about 0.001";
    });
    expect(() => readOfferFile(file)).toThrow(
      `${file}: terms.OnDemand.FXDDBWCU000000001.FXDDBWCU000000001.JRTCKXETXF.priceDimensions.FXDDBWCU000000001.JRTCKXETXF.1.pricePerUnit.USD: must be a non-negative decimal number of USD, as a string`,
    );
  });

  it("GIVEN a file without its publication date WHEN read THEN it fails naming publicationDate", () => {
    const file = withEdit((offer) => delete offer.publicationDate);
    expect(() => readOfferFile(file)).toThrow(`${file}: publicationDate: required: the publication date`);
  });

  it("GIVEN a file that is not JSON WHEN read THEN it fails naming the file", () => {
    const file = join(scratch, "offer.csv");
    writeFileSync(file, "SKU,OfferTermCode\n");
    expect(() => readOfferFile(file)).toThrow(`${file}: not valid JSON`);
  });
});
