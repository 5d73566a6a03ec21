/** Estimates every environment stack of a synthesized app. */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CostInputError } from "./errors";
import { ENVIRONMENT_STACK_PREFIX, stackName } from "../config/environment-bounds";
import { estimateEnvironment, stackRegion, usageGaps, type EnvironmentEstimate, type StackJson } from "./estimate";
import { loadPrices, PRICES_DIRECTORY, type PriceTable } from "./prices";
import { loadUsage, USAGE_DIRECTORY } from "./usage";

export interface EstimateOptions {
  /** Only this environment. @default every environment stack */
  readonly environment?: string;
  /** @default cost/usage */
  readonly usageDirectory?: string;
  /** @default cost/prices */
  readonly pricesDirectory?: string;
  /** A file of price overrides by region and price key. @default none */
  readonly pricesOverride?: string;
}

/** The environment names among synthesized stacks (`dynamodb-<env>`), in synth order. */
export function environmentNames(stacks: Record<string, StackJson>): string[] {
  return Object.keys(stacks)
    .filter((stack) => stack.startsWith(ENVIRONMENT_STACK_PREFIX))
    .map((stack) => stack.slice(ENVIRONMENT_STACK_PREFIX.length));
}

export function estimateStacks(stacks: Record<string, StackJson>, options: EstimateOptions = {}): EnvironmentEstimate[] {
  const names = environmentNames(stacks);
  if (options.environment !== undefined && !names.includes(options.environment)) {
    throw new CostInputError(`--env ${options.environment}: unknown environment; one of ${names.join(", ")}`);
  }
  const prices = new Map<string, PriceTable>();
  return names
    .filter((name) => options.environment === undefined || name === options.environment)
    .map((name) => {
      const stackId = stackName({ name });
      const stack = stacks[stackId];
      const region = stackRegion(stackId, stack);
      if (!prices.has(region)) prices.set(region, loadPrices(region, options.pricesDirectory ?? PRICES_DIRECTORY, options.pricesOverride));
      const usage = loadUsage(name, options.usageDirectory ?? USAGE_DIRECTORY);
      return estimateEnvironment(stackId, stack, usage, prices.get(region)!);
    });
}

/**
 * One line per synthesized environment stack whose usage file does not describe all its tables and
 * indexes (`npm run cost` prices those with labelled defaults). For synth to print; never throws.
 */
export function usageWarnings(
  synthesized: ReadonlyArray<{ stack: string; directory: string }>,
  usageDirectory = USAGE_DIRECTORY,
): string[] {
  const warnings: string[] = [];
  for (const { stack, directory } of synthesized.filter((s) => s.stack.startsWith(ENVIRONMENT_STACK_PREFIX))) {
    const environment = stack.slice(ENVIRONMENT_STACK_PREFIX.length);
    try {
      const usage = loadUsage(environment, usageDirectory);
      const gaps = usageGaps(JSON.parse(readFileSync(join(directory, "cdk.tf.json"), "utf8")) as StackJson, usage);
      const missing = [...gaps.tables.map((t) => `table ${t}`), ...gaps.indexes.map((i) => `index ${i}`)];
      if (missing.length > 0) {
        warnings.push(
          `${relative(process.cwd(), usage.file)} does not describe ${missing.join(", ")}: npm run cost prices ${missing.length > 1 ? "them" : "it"} with default usage`,
        );
      }
    } catch (error) {
      warnings.push(`npm run cost cannot price ${environment}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return warnings;
}
