/**
 * The public contract with HCL teams: resource addresses (their `import`/`moved` blocks and plan
 * reading in Atlantis) and output names (their `terraform_remote_state` reads). Pinned in
 * __tests__/fixtures/public-contract.json; a change fails here, naming what breaks.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENT_NAMES, environmentInput, parse, synthEnvironment } from "../helpers/synth";

type Contract = Record<string, { addresses: string[]; outputs: string[] }>;
const pinned = JSON.parse(readFileSync(join(__dirname, "../fixtures/public-contract.json"), "utf8")) as Contract;

function contractOf(synthesized: string) {
  const stack = parse(synthesized);
  const addresses = Object.entries(stack.resource).flatMap(([type, resources]) => Object.keys(resources).map((name) => `${type}.${name}`));
  return { addresses: addresses.sort(), outputs: Object.keys(stack.output).sort() };
}

describe.each(ENVIRONMENT_NAMES)("dynamodb-%s public contract", (environmentName) => {
  const actual = contractOf(synthEnvironment(environmentInput(environmentName)));
  const expected = pinned[`dynamodb-${environmentName}`];

  test("resource addresses are unchanged", () => {
    const removed = expected.addresses.filter((address) => !actual.addresses.includes(address));
    const added = actual.addresses.filter((address) => !expected.addresses.includes(address));
    if (removed.length > 0) {
      throw new Error(
        `dynamodb-${environmentName}: resource address(es) ${removed.join(", ")} no longer exist. This breaks other teams ` +
          `(their import/moved blocks and Atlantis plans) and makes Terraform destroy and recreate them. Keep the address ` +
          `(overrideLogicalId), or add a moved block and announce it, then update __tests__/fixtures/public-contract.json.`,
      );
    }
    if (added.length > 0) {
      throw new Error(
        `dynamodb-${environmentName}: new resource address(es) ${added.join(", ")}. Review them as public names, then add them to __tests__/fixtures/public-contract.json.`,
      );
    }
  });

  test("output names are unchanged", () => {
    const removed = expected.outputs.filter((name) => !actual.outputs.includes(name));
    const added = actual.outputs.filter((name) => !expected.outputs.includes(name));
    if (removed.length > 0) {
      throw new Error(
        `dynamodb-${environmentName}: output(s) ${removed.join(", ")} were renamed or removed. This breaks other teams ` +
          `reading them with terraform_remote_state. Keep the old output (deprecated) alongside any new one, then update __tests__/fixtures/public-contract.json.`,
      );
    }
    if (added.length > 0) {
      throw new Error(`dynamodb-${environmentName}: new output(s) ${added.join(", ")}; add them to __tests__/fixtures/public-contract.json and the README.`);
    }
  });
});
