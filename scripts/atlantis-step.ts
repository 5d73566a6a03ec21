/** `npm run atlantis:prepare|synth|check`: one step of the Atlantis workflow (scripts/atlantis-workflow.ts). */
import { StepError, check, prepare, synth } from "./atlantis-workflow";

const steps: Record<string, () => string> = { prepare, synth, check };
const step = steps[process.argv[2]];
try {
  if (!step) throw new StepError(`usage: node scripts/run-ts.js scripts/atlantis-step.ts <${Object.keys(steps).join("|")}>`);
  console.log(step());
} catch (error) {
  // Config, schema-guard and step errors are written for people; they become the PR comment.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
