/**
 * The committed Terraform JSON the Atlantis projects plan (docs/adr/0006-commit-synthesized-stacks.md):
 *
 *   npm run synth:commit   synthesizes (config validation, schema guard) and writes each stack's
 *                          JSON to synthesized/<stack>/cdk.tf.json; commit the result with the change
 *   npm run synth:check    fails, naming each stack, when synthesized/ differs from a fresh synth (CI)
 *
 * Each synthesized/<stack>/ holds only cdk.tf.json: anything else there is reported (terraform
 * would load another *.tf or *.tf.json beside it).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { synthesizeStacks } from "../stacks/app";
import { projectRoot } from "../stacks/project-root";
import { CONFIG_FILE } from "../guards/config-check";

export const SYNTHESIZED_DIR = "synthesized";
const FIX = `run npm run synth:commit and commit ${SYNTHESIZED_DIR}/`;

/** Each stack's cdk.tf.json text as a fresh synth writes it. */
export function freshStacks(): Record<string, string> {
  return Object.fromEntries(Object.entries(synthesizeStacks()).map(([stack, json]) => [stack, `${JSON.stringify(json, null, 2)}\n`]));
}

/** How synthesized/ under `root` differs from `fresh`; empty when it is up to date. */
export function synthesizedDifferences(root: string, fresh: Record<string, string>): string[] {
  const directory = join(root, SYNTHESIZED_DIR);
  const committed = existsSync(directory) ? readdirSync(directory) : [];
  const problems: string[] = [];
  for (const stack of Object.keys(fresh).filter((name) => !committed.includes(name))) {
    problems.push(`${SYNTHESIZED_DIR}/${stack}/${CONFIG_FILE} is missing: ${FIX}`);
  }
  for (const stack of committed.filter((name) => !(name in fresh))) {
    problems.push(`${SYNTHESIZED_DIR}/${stack} is not a stack synth produces: ${FIX}`);
  }
  for (const stack of committed.filter((name) => name in fresh)) {
    const file = join(directory, stack, CONFIG_FILE);
    for (const extra of readdirSync(join(directory, stack)).filter((name) => name !== CONFIG_FILE)) {
      problems.push(`${SYNTHESIZED_DIR}/${stack}/${extra} is not synth output (the directory holds only ${CONFIG_FILE}): delete it`);
    }
    if (existsSync(file) && readFileSync(file, "utf8") !== fresh[stack]) {
      problems.push(`${SYNTHESIZED_DIR}/${stack}/${CONFIG_FILE} differs from a fresh synth: ${FIX}`);
    } else if (!existsSync(file)) {
      problems.push(`${SYNTHESIZED_DIR}/${stack}/${CONFIG_FILE} is missing: ${FIX}`);
    }
  }
  return problems;
}

/** Replaces synthesized/ under `root` with `fresh`. */
export function writeSynthesized(root: string, fresh: Record<string, string>): void {
  const directory = join(root, SYNTHESIZED_DIR);
  rmSync(directory, { recursive: true, force: true });
  for (const [stack, text] of Object.entries(fresh)) {
    mkdirSync(join(directory, stack), { recursive: true });
    writeFileSync(join(directory, stack, CONFIG_FILE), text);
  }
}

function main(mode: string | undefined): number {
  const root = projectRoot();
  if (mode === "commit") {
    const fresh = freshStacks();
    writeSynthesized(root, fresh);
    for (const stack of Object.keys(fresh)) console.log(`synthesized ${stack} -> ${SYNTHESIZED_DIR}/${stack}/${CONFIG_FILE}`);
    return 0;
  }
  if (mode === "check") {
    const problems = synthesizedDifferences(root, freshStacks());
    if (problems.length === 0) {
      console.log(`${SYNTHESIZED_DIR}/ is up to date with a fresh synth`);
      return 0;
    }
    console.error(problems.join("\n"));
    return 1;
  }
  console.error("usage: node scripts/run-ts.js scripts/synthesized-stacks.ts <commit|check> (npm run synth:commit | synth:check)");
  return 2;
}

try {
  process.exitCode = main(process.argv[2]);
} catch (error) {
  // Config and schema errors are written for people: the message, not a stack trace.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
