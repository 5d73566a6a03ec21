/**
 * `npm run plan:guard -- <plan.json> [--stack <stack>]`: refuses (exit 1) a plan that would lose
 * data or lift a protection; exit 2 when the file is not a readable plan. `--stack` selects the
 * overrides in guards/plan-guard-overrides.json that apply (Atlantis passes $PROJECT_NAME).
 */
import { guardPlanFile } from "./plan-guard-file";

const USAGE = "usage: npm run plan:guard -- <plan.json> [--stack <stack, e.g. dynamodb-prod>]";

function parseArguments(args: readonly string[]): { planPath: string; stack?: string } | string {
  const rest = [...args];
  let stack: string | undefined;
  const stackAt = rest.indexOf("--stack");
  if (stackAt >= 0) {
    stack = rest[stackAt + 1];
    if (!stack || stack.startsWith("--")) return `--stack needs a stack name. ${USAGE}`;
    rest.splice(stackAt, 2);
  }
  const unknown = rest.filter((arg) => arg.startsWith("--"));
  if (unknown.length > 0) return `unknown option ${unknown.join(" ")}. ${USAGE}`;
  if (rest.length !== 1) return `give exactly one plan file. ${USAGE}`;
  return { planPath: rest[0], stack };
}

const parsed = parseArguments(process.argv.slice(2));
if (typeof parsed === "string") {
  console.error(parsed);
  process.exitCode = 2;
} else {
  const { text, exitCode } = guardPlanFile(parsed.planPath, { stack: parsed.stack });
  (exitCode === 0 ? console.log : console.error)(text);
  process.exitCode = exitCode;
}
