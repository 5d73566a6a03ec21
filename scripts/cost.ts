/**
 * npm run cost [-- --env <env>] [--detail] [--diff <git ref>] [--format table|json|markdown] [--readme]
 *               [--usage <dir>] [--prices <dir>] [--prices-override <file>]
 *
 * The monthly cost of every environment (floor and ceiling; one line per table and shared component, or
 * with --detail every component and how it was computed), estimated from the synthesized stacks and
 * cost/usage/<env>.json; with --diff, the change against another commit; with --readme, rewrites the
 * docs/cost.md's "What this design saves" section. See docs/cost.md.
 */
import { parseArgs } from "node:util";
import { join, relative } from "node:path";
import { synthesizeStacks } from "../stacks/app";
import { projectRoot } from "../stacks/project-root";
import { CostInputError } from "../cost/errors";
import { diffEstimates, estimateAtRef } from "../cost/diff";
import { wrap } from "../config/output-width";
import { FORMATS, formatDiff, formatEstimates, type Format } from "../cost/format";
import { estimateStacks, type EstimateOptions } from "../cost/run";
import { computeSavings, renderSavings, writeSavingsSection } from "../cost/savings";
import { USAGE_DIRECTORY, usageFilePath } from "../cost/usage";

function main(argv: string[]): string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        env: { type: "string" },
        detail: { type: "boolean", default: false },
        diff: { type: "string" },
        format: { type: "string", default: "table" },
        readme: { type: "boolean", default: false },
        usage: { type: "string" },
        prices: { type: "string" },
        "prices-override": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CostInputError(
      `${(error as Error).message}\nusage: npm run cost -- [--env <env>] [--detail] [--diff <git ref>] [--format table|json|markdown] [--readme]`,
    );
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new CostInputError(`--format ${values.format}: unknown format; one of ${FORMATS.join(", ")}`);
  const options: EstimateOptions = {
    environment: values.env,
    usageDirectory: values.usage,
    pricesDirectory: values.prices,
    pricesOverride: values["prices-override"],
  };
  if (values.readme && (values.env !== undefined || values.diff !== undefined)) {
    throw new CostInputError("--readme rewrites the section for every environment; drop --env and --diff");
  }
  const root = projectRoot();
  // Config and schema-lock errors from synth are already written for people.
  const stacks = synthesizeStacks();

  if (values.readme) {
    const readme = join(root, "docs/cost.md");
    const updated = writeSavingsSection(readme, renderSavings(computeSavings(stacks, options)));
    return updated ? `${readme}: "What this design saves" updated` : `${readme}: "What this design saves" already up to date`;
  }
  const after = estimateStacks(stacks, options);
  if (values.diff !== undefined) {
    const { commit, estimates, note } = estimateAtRef(root, values.diff, options);
    if (note) for (const line of wrap(`note: ${note}`)) console.error(line);
    return formatDiff(diffEstimates(estimates, after, { ref: values.diff, commit }), format);
  }
  return formatEstimates(after, format, {
    usageFile: (environment) => relative(root, usageFilePath(environment, options.usageDirectory ?? USAGE_DIRECTORY)),
    detail: values.detail,
  });
}

try {
  console.log(main(process.argv.slice(2)));
} catch (error) {
  // User mistakes (and config errors from synth) are messages for people, not stack traces.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
