/**
 * The cdktf app: one stack per environment of config/environments.ts (see stacks/app.ts).
 * Run by `npm run synth`, `cdktf synth` and `cdktf deploy <stack>`.
 */
import { synthesize } from "./stacks/app";
import { usageWarnings } from "./cost/run";
import { OUTPUT_WIDTH, wrap } from "./cost/format";

/** Each line of `text` wrapped to the output width, continuations indented under it. */
const wrapped = (text: string) =>
  text
    .split("\n")
    .flatMap((line) => wrap(line, OUTPUT_WIDTH, `${/^ */.exec(line)![0]}    `))
    .join("\n");

try {
  const synthesized = synthesize();
  for (const { stack, directory } of synthesized) console.log(`synthesized ${stack} -> ${directory}/cdk.tf.json`);
  // Tables or indexes the cost usage files do not describe are priced with defaults: say so at synth.
  for (const warning of usageWarnings(synthesized)) console.error(wrapped(`warning: ${warning}`));
} catch (error) {
  // Config and schema errors are written for people: print the message, not a stack trace.
  console.error(error instanceof Error ? wrapped(error.message) : error);
  process.exitCode = 1;
}
