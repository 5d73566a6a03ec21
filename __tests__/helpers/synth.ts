import { ENVIRONMENTS } from "../../config/environments";
import type { EnvironmentInput } from "../../config/schema";
import { validateEnvironments } from "../../config/validate";
import type { SynthesizedStackJson } from "../../stacks/app";
import type { TableDefinition } from "../../tables";
import { oncePerRun } from "./once-per-run";

export type EnvironmentName = "dev" | "staging" | "prod";
export const ENVIRONMENT_NAMES: EnvironmentName[] = ["dev", "staging", "prod"];

/** A deep copy of a shipped environment's input, safe to mutate in a test. */
export function environmentInput(name: EnvironmentName): EnvironmentInput {
  const found = ENVIRONMENTS.find((environment) => environment.name === name);
  if (!found) throw new Error(`no environment ${name}`);
  return structuredClone(found) as EnvironmentInput;
}

/*
 * cdktf and the stacks are loaded only when something is actually synthesized: a test file whose
 * stacks another file already synthesized in this run never loads them (jest would compile cdktf,
 * the provider's modules and the stacks again for each file).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const cdktf = () => require("cdktf") as typeof import("cdktf");
const environmentStack = () => require("../../stacks/environment-stack") as typeof import("../../stacks/environment-stack");
const app = () => require("../../stacks/app") as typeof import("../../stacks/app");
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Synthesizes one environment's stack (validated as main.ts does) and returns the JSON string;
 * `definitions` replaces the shipped tables/ (a test's own tables still need the shipped ids).
 * Synthesis is deterministic, so each distinct input is synthesized once per test run (tests parse
 * the string into their own objects, so sharing it cannot leak one test's edits into another).
 */
export function synthEnvironment(input: EnvironmentInput, definitions?: readonly TableDefinition[]): string {
  return oncePerRun(`synthEnvironment ${JSON.stringify(input)} ${JSON.stringify(definitions ?? "shipped")}`, () => {
    const [environment] = validateEnvironments([input]);
    const { Testing } = cdktf();
    return Testing.synth(new (environmentStack().EnvironmentStack)(Testing.app(), environment, definitions));
  });
}

/** Every stack `npm run synth` writes from the shipped config, by stack name (synthesized once per test run). */
export function shippedStacks(): Record<string, SynthesizedStackJson> {
  return JSON.parse(oncePerRun("shippedStacks", () => JSON.stringify(app().synthesizeStacks()))) as Record<string, SynthesizedStackJson>;
}

// The synthesized JSON, for assertions that need to count or look across resources.
export interface SynthesizedStack {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: unknown; description?: string }>;
  terraform: { backend: { s3: Record<string, unknown> } };
  provider: { aws: Array<Record<string, unknown>> };
  import?: Array<{ to: string; id: string }>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
}

export const parse = (synthesized: string) => JSON.parse(synthesized) as SynthesizedStack;

export const resourcesOf = (stack: SynthesizedStack, type: string) => stack.resource[type] ?? {};
