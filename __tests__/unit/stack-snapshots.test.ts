/**
 * The bulk of what `npm run synth` writes, pinned by reviewed snapshots of every stack it writes
 * (__snapshots__/stack-snapshots.test.ts.snap). After an intended change, run `npm run test:update`
 * (this file with jest -u) and review the snapshot's diff with the change. The public contract
 * (contract.test.ts, stack.test.ts) and the rules every table follows (table-rules.test.ts) are
 * asserted on their own; this snapshot shows everything else a change does to the output.
 */
import { shippedStacks } from "../helpers/synth";

/** cdktf's "//" metadata (construct paths, cdktf's version) is not Terraform configuration. */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "//")
      .map(([key, inner]) => [key, withoutMetadata(inner)]),
  );
}

const stacks = shippedStacks();

test.each(Object.keys(stacks))("%s is the reviewed snapshot (after an intended change: npm run test:update)", (stack) => {
  expect(withoutMetadata(stacks[stack])).toMatchSnapshot();
});
