import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { ENVIRONMENTS } from "../../config/environments";
import { validateEnvironments } from "../../config/validate";
import { synthesize } from "../../stacks/app";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { currentSchema } from "../../guards/schema-lock";
import { attributeDefinitions, tableDefinitionProblems } from "../../tables/validate-definition";
import { TABLE_DEFINITIONS, type TableDefinition } from "../../tables";

const [apiKeys] = TABLE_DEFINITIONS;
const withApiKeys = (change: Partial<TableDefinition>): TableDefinition => ({ ...apiKeys, ...change });
const index = apiKeys.globalIndexes[0];
const scratch = mkdtempSync(join(tmpdir(), "bad-definition-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("table definitions", () => {
  test("the four shipped definitions have no problems", () => {
    for (const table of TABLE_DEFINITIONS) expect(tableDefinitionProblems(table)).toEqual([]);
  });

  test("attribute definitions are exactly the attributes some key uses", () => {
    expect(attributeDefinitions(apiKeys)).toEqual([
      { name: "api_key_hash", type: "S" },
      { name: "account_id", type: "S" },
      { name: "created_at", type: "S" },
    ]);
    // expires_at is TTL only, so it must not be defined (DynamoDB rejects unused definitions).
    for (const table of TABLE_DEFINITIONS) {
      expect(attributeDefinitions(table).map((a) => a.name)).not.toContain(table.timeToLiveAttribute);
    }
  });

  const BAD: Array<[string, TableDefinition, RegExp]> = [
    [
      "TTL attribute that is also a key",
      withApiKeys({ timeToLiveAttribute: "api_key_hash" }),
      /api_keys\.timeToLiveAttribute: "api_key_hash" is also a key \(partitionKey\)/,
    ],
    ["empty TTL attribute", withApiKeys({ timeToLiveAttribute: "" }), /api_keys\.timeToLiveAttribute: must name the Number attribute/],
    [
      "index name outside [a-zA-Z0-9_.-]{3,255}",
      withApiKeys({ globalIndexes: [{ ...index, name: "by account" }] }),
      /api_keys\.globalIndexes\[0\]\.name: "by account" is not \[a-zA-Z0-9_.-\]\{3,255\}/,
    ],
    ["table id outside [a-zA-Z0-9_.-]{3,255}", withApiKeys({ id: "k" }), /k\.id: "k" is not \[a-zA-Z0-9_.-\]\{3,255\}/],
    [
      "duplicate index names",
      withApiKeys({ globalIndexes: [index, { ...index, sortKey: undefined }] }),
      /api_keys\.globalIndexes\[1\]\.name: "account_id-created_at-index" is used twice/,
    ],
    [
      "one attribute with two types",
      withApiKeys({ globalIndexes: [{ ...index, partitionKey: { name: "api_key_hash", type: "N" } }] }),
      /api_keys\.globalIndexes\[0\]\.partitionKey\.type: "api_key_hash" is N here but S in partitionKey/,
    ],
    ["missing partition key name", withApiKeys({ partitionKey: { name: "", type: "S" } }), /api_keys\.partitionKey: required/],
    [
      "a key projected as a non-key attribute",
      withApiKeys({ globalIndexes: [{ ...index, projection: { type: "INCLUDE", nonKeyAttributes: ["account_id"] } }] }),
      /api_keys\.globalIndexes\[0\]\.projection\.nonKeyAttributes: "account_id" is a key and always projected/,
    ],
    [
      "a stream view type DynamoDB does not have",
      withApiKeys({ stream: "NEW_IMAGES" as unknown as TableDefinition["stream"] }),
      /api_keys\.stream: "NEW_IMAGES" is not a stream view type; use one of "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY", or leave it out for no stream/,
    ],
    [
      "a table class DynamoDB does not have",
      withApiKeys({ tableClass: "INFREQUENT_ACCESS" as unknown as TableDefinition["tableClass"] }),
      /api_keys\.tableClass: "INFREQUENT_ACCESS" is not a table class; use one of "STANDARD", "STANDARD_INFREQUENT_ACCESS"/,
    ],
    [
      "a projection type DynamoDB does not have",
      withApiKeys({ globalIndexes: [{ ...index, projection: { type: "KEYS" } as unknown as typeof index.projection }] }),
      /api_keys\.globalIndexes\[0\]\.projection\.type: "KEYS" is not a projection type; use one of "ALL", "KEYS_ONLY", "INCLUDE"/,
    ],
    [
      "a key type DynamoDB does not have",
      withApiKeys({ partitionKey: { name: "api_key_hash", type: "SS" as unknown as "S" } }),
      /api_keys\.partitionKey\.type: "SS" is not a key type; use one of "S", "N", "B"/,
    ],
    [
      "an INCLUDE attribute listed twice",
      withApiKeys({ globalIndexes: [{ ...index, projection: { type: "INCLUDE", nonKeyAttributes: ["status", "label", "status"] } }] }),
      /api_keys\.globalIndexes\[0\]\.projection\.nonKeyAttributes: "status" is listed twice; DynamoDB rejects duplicates, list it once/,
    ],
  ];

  test.each(BAD)("%s is rejected by the construct and by synth, writing nothing", (name, definition, message) => {
    const [environment] = validateEnvironments([ENVIRONMENTS[0]]);
    expect(() => new EnvironmentStack(Testing.app(), environment, [definition])).toThrow(message);

    const definitions = TABLE_DEFINITIONS.map((table) => (table.id === apiKeys.id ? definition : table));
    const outdir = join(scratch, `${name.replace(/\W+/g, "-")}.out`);
    const lock = currentSchema(validateEnvironments(ENVIRONMENTS));
    expect(() => synthesize({ definitions, lock, outdir })).toThrow(message);
    expect(existsSync(outdir)).toBe(false);
  });
});
