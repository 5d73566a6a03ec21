/**
 * The committed Terraform JSON the Atlantis projects plan (docs/adr/0006-commit-synthesized-stacks.md),
 * also the reviewed snapshot of synth's output (__tests__/unit/stack-snapshots.test.ts). Each
 * synthesized/<stack>/ holds only cdk.tf.json: anything else there is reported (terraform would
 * load another *.tf or *.tf.json beside it). CLI: scripts/synthesized-stacks.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { synthesizeStacks } from "../stacks/app";
import { CONFIG_FILE } from "../guards/config-check";

export const SYNTHESIZED_DIR = "synthesized";
const FIX = `run npm run synth:commit and commit ${SYNTHESIZED_DIR}/`;

/** A stack's cdk.tf.json text as committed. */
export const stackText = (json: unknown) => `${JSON.stringify(json, null, 2)}\n`;

/** Each stack's cdk.tf.json text as a fresh synth writes it. */
export function freshStacks(): Record<string, string> {
  return Object.fromEntries(Object.entries(synthesizeStacks()).map(([stack, json]) => [stack, stackText(json)]));
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
