/**
 *   npm run synth:commit   synthesizes (config validation, schema guard) and writes each stack's
 *                          JSON to synthesized/<stack>/cdk.tf.json; commit the result with the change
 *   npm run synth:check    fails, naming each stack, when synthesized/ differs from a fresh synth (CI)
 */
import { projectRoot } from "../stacks/project-root";
import { SYNTHESIZED_DIR, freshStacks, synthesizedDifferences, writeSynthesized } from "./synthesized-output";
import { CONFIG_FILE } from "../guards/config-check";

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
