/** Estimates every environment stack of a synthesized app. */
import { CostInputError } from "./errors";
import { ENVIRONMENT_STACK_PREFIX, stackName } from "../config/environment-bounds";
import { estimateEnvironment, stackRegion, type EnvironmentEstimate, type StackJson } from "./estimate";
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
