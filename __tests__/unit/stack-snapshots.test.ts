/**
 * The bulk of what synth writes is pinned by the committed synthesized/<stack>/cdk.tf.json (what
 * Atlantis plans, reviewed in every pull request as the exact Terraform change). After an intended
 * change, run `npm run test:update` (= npm run synth:commit) and review synthesized/'s diff. The
 * public contract (contract.test.ts, stack.test.ts) and the rules every table follows
 * (table-rules.test.ts) are asserted on their own.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SYNTHESIZED_DIR, stackText, synthesizedDifferences } from "../../scripts/synthesized-output";
import { shippedStacks } from "../helpers/synth";

const root = join(__dirname, "../..");
const stacks = shippedStacks();

test.each(Object.keys(stacks))("%s is the reviewed synthesized/ output (after an intended change: npm run test:update)", (stack) => {
  const committed = join(root, SYNTHESIZED_DIR, stack, "cdk.tf.json");
  expect(existsSync(committed) ? JSON.parse(readFileSync(committed, "utf8")) : "missing: run npm run test:update").toEqual(stacks[stack]);
});

test("synthesized/ holds exactly the stacks synth writes, byte for byte", () => {
  const fresh = Object.fromEntries(Object.entries(stacks).map(([stack, json]) => [stack, stackText(json)]));
  expect(synthesizedDifferences(root, fresh)).toEqual([]);
});
