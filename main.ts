/**
 * The cdktf app: one stack per environment of config/environments.ts (see stacks/app.ts).
 * Run by `npm run synth`, `cdktf synth` and `cdktf deploy <stack>`.
 */
import { synthesize } from "./stacks/app";

try {
  for (const { stack, directory } of synthesize()) console.log(`synthesized ${stack} -> ${directory}/cdk.tf.json`);
} catch (error) {
  // Config and schema errors are written for people: print the message, not a stack trace.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
