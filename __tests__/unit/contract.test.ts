/**
 * The public contract with HCL teams: resource addresses (their `import`/`moved` blocks and plan
 * reading in Atlantis) and output names (their `terraform_remote_state` reads). Pinned in
 * __tests__/fixtures/public-contract.json; a change fails here, naming what breaks.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TABLE_DEFINITIONS, type GlobalIndexDefinition } from "../../tables";
import { ENVIRONMENT_NAMES, environmentInput, parse, synthEnvironment } from "../helpers/synth";

interface StackContract {
  addresses: string[];
  outputs: string[];
}
const pinned = JSON.parse(readFileSync(join(__dirname, "../fixtures/public-contract.json"), "utf8")) as Record<string, StackContract>;

function contractOf(synthesized: string): StackContract {
  const stack = parse(synthesized);
  const addresses = Object.entries(stack.resource).flatMap(([type, resources]) => Object.keys(resources).map((name) => `${type}.${name}`));
  return { addresses: addresses.sort(), outputs: Object.keys(stack.output).sort() };
}

/**
 * Resources of an index added since the contract was pinned: its autoscaling, alarms and
 * contributor insights, named `<table>_<index>...` by rule (table-rules.test.ts checks they exist).
 * They are reviewed in the stack snapshots, so adding an index needs no edit here.
 */
function isNewIndexResource(address: string, expected: StackContract): boolean {
  const name = address.slice(address.indexOf(".") + 1);
  return TABLE_DEFINITIONS.some((table) =>
    (table.globalIndexes ?? []).some((index: GlobalIndexDefinition) => {
      const prefixes = [`${table.id}_${index.name}`, `${table.id}_${index.name.replace(/[^a-zA-Z0-9_-]/g, "_")}`];
      const pinnedBefore = expected.addresses.some((pinned) => prefixes.some((prefix) => pinned.includes(`.${prefix}`)));
      return !pinnedBefore && prefixes.some((prefix) => name === prefix || name.startsWith(`${prefix}_`));
    }),
  );
}

function contractBreaks(stack: string, expected: StackContract, actual: StackContract): string[] {
  const missing = (a: string[], b: string[]) => a.filter((item) => !b.includes(item));
  const problems: string[] = [];
  for (const address of missing(expected.addresses, actual.addresses)) {
    problems.push(
      `${stack}: resource ${address} no longer exists. This breaks other teams (their import/moved blocks, Atlantis plans) ` +
        `and Terraform would destroy and recreate it. Keep the address (overrideLogicalId) or add a moved block and announce it.`,
    );
  }
  for (const address of missing(actual.addresses, expected.addresses).filter((added) => !isNewIndexResource(added, expected))) {
    problems.push(`${stack}: new resource ${address}; review it as a public name, then pin it in __tests__/fixtures/public-contract.json.`);
  }
  for (const output of missing(expected.outputs, actual.outputs)) {
    problems.push(
      `${stack}: output ${output} was renamed or removed. This breaks other teams reading it with terraform_remote_state; ` +
        `keep the old output alongside any new one.`,
    );
  }
  for (const output of missing(actual.outputs, expected.outputs)) {
    problems.push(`${stack}: new output ${output}; document it in docs/tables.md and pin it in __tests__/fixtures/public-contract.json.`);
  }
  return problems;
}

describe.each(ENVIRONMENT_NAMES)("dynamodb-%s public contract", (environmentName) => {
  test("resource addresses and output names are the pinned ones", () => {
    const stack = `dynamodb-${environmentName}`;
    expect(contractBreaks(stack, pinned[stack], contractOf(synthEnvironment(environmentInput(environmentName))))).toEqual([]);
  });
});

describe("the contract check names what broke", () => {
  const expected = pinned["dynamodb-prod"];

  test("a renamed output", () => {
    const actual = { ...expected, outputs: expected.outputs.map((o) => (o === "api_keys_table_arn" ? "api_keys_arn" : o)) };
    expect(contractBreaks("dynamodb-prod", expected, actual)).toEqual([
      expect.stringMatching(/^dynamodb-prod: output api_keys_table_arn was renamed or removed\. This breaks other teams/),
      "dynamodb-prod: new output api_keys_arn; document it in docs/tables.md and pin it in __tests__/fixtures/public-contract.json.",
    ]);
  });

  test("a new resource that is no new index's is to be pinned; an existing index's new resource too", () => {
    const actual = {
      ...expected,
      addresses: [...expected.addresses, "aws_sns_topic.pages", "aws_cloudwatch_metric_alarm.api_keys_account_id-created_at-index_latency"],
    };
    expect(contractBreaks("dynamodb-prod", expected, actual)).toEqual([
      "dynamodb-prod: new resource aws_sns_topic.pages; review it as a public name, then pin it in __tests__/fixtures/public-contract.json.",
      "dynamodb-prod: new resource aws_cloudwatch_metric_alarm.api_keys_account_id-created_at-index_latency; review it as a public name, then pin it in __tests__/fixtures/public-contract.json.",
    ]);
  });

  test("a changed table address (the construct id leaking into a hashed address)", () => {
    const actual = {
      ...expected,
      addresses: expected.addresses.map((a) => (a === "aws_dynamodb_table.api_keys" ? "aws_dynamodb_table.api_keys_table_1A2B3C4D" : a)),
    };
    expect(contractBreaks("dynamodb-prod", expected, actual)[0]).toMatch(
      /^dynamodb-prod: resource aws_dynamodb_table\.api_keys no longer exists\. This breaks other teams/,
    );
  });
});
