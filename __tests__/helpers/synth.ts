import { Testing } from "cdktf";
import { ENVIRONMENTS } from "../../config/environments";
import type { EnvironmentInput } from "../../config/schema";
import { validateEnvironments } from "../../config/validate";
import { EnvironmentStack } from "../../stacks/environment-stack";

export type EnvironmentName = "dev" | "staging" | "prod";
export const ENVIRONMENT_NAMES: EnvironmentName[] = ["dev", "staging", "prod"];

/** A deep copy of a shipped environment's input, safe to mutate in a test. */
export function environmentInput(name: EnvironmentName): EnvironmentInput {
  const found = ENVIRONMENTS.find((environment) => environment.name === name);
  if (!found) throw new Error(`no environment ${name}`);
  return structuredClone(found) as EnvironmentInput;
}

const synthesized = new Map<string, string>();

/**
 * Synthesizes one environment's stack (validated as main.ts does) and returns the JSON string.
 * Synthesis is deterministic, so a test file synthesizes each distinct input once (tests parse the
 * string into their own objects, so sharing it cannot leak one test's edits into another).
 */
export function synthEnvironment(input: EnvironmentInput): string {
  const key = JSON.stringify(input);
  let json = synthesized.get(key);
  if (json === undefined) {
    const [environment] = validateEnvironments([input]);
    json = Testing.synth(new EnvironmentStack(Testing.app(), environment));
    synthesized.set(key, json);
  }
  return json;
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
