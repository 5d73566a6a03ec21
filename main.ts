/**
 * The cdktf app: one stack per environment of config/environments.ts (see stacks/app.ts).
 * Run by `npm run synth`, `cdktf synth` and `cdktf deploy <stack>`.
 */
import { synthesize } from "./stacks/app";
import { usageWarnings } from "./cost/run";
import { wrapLines } from "./config/output-width";

try {
  const synthesized = synthesize();
  for (const { stack, directory } of synthesized) console.log(`synthesized ${stack} -> ${directory}/cdk.tf.json`);
  // Tables or indexes the cost usage files do not describe are priced with defaults: say so at synth.
  for (const warning of usageWarnings(synthesized)) console.error(wrapLines(`warning: ${warning}`));
} catch (error) {
  // Config and schema errors are written for people: print the message, not a stack trace.
  console.error(error instanceof Error ? wrapLines(error.message) : error);
  process.exitCode = 1;
}
