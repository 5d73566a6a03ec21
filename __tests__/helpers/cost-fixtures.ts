import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { StackJson } from "../../cost/estimate";

/** The cost fixtures: round prices, one usage file ("fixture") and two small stacks (before/after a change). */
export const COST_FIXTURES = join(__dirname, "..", "fixtures", "cost");
export const FIXTURE_PRICES = join(COST_FIXTURES, "prices");
export const FIXTURE_USAGE = join(COST_FIXTURES, "usage");

export function fixtureStack(name: "before" | "after"): StackJson {
  return JSON.parse(readFileSync(join(COST_FIXTURES, "stacks", `${name}.json`), "utf8")) as StackJson;
}

/** The fixture stack as the app would name it: environment "fixture". */
export function fixtureApp(name: "before" | "after"): Record<string, StackJson> {
  return { "dynamodb-fixture": fixtureStack(name) };
}
