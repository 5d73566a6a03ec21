/**
 * `npm run plan:guard -- <plan.json> [--overrides <file>]`: refuses (exit 1) a plan that would lose
 * data or weaken a protection; exit 2 when the plan or overrides file cannot be read. Overrides
 * default to guards/plan-guard-overrides.json and match the plan's own environment. `--stack <name>`
 * is accepted as a label for compatibility (Atlantis passes $PROJECT_NAME) and selects nothing.
 */
import { guardPlanFile } from "./plan-guard-file";

const USAGE = "usage: npm run plan:guard -- <plan.json> [--overrides <file>]";

function parseArguments(args: readonly string[]): { planPath: string; overridesPath?: string; stack?: string } | string {
  const rest = [...args];
  const options: Record<string, string> = {};
  for (const option of ["--overrides", "--stack"]) {
    const index = rest.indexOf(option);
    if (index < 0) continue;
    const value = rest[index + 1];
    if (!value || value.startsWith("--")) return `${option} needs a value. ${USAGE}`;
    options[option] = value;
    rest.splice(index, 2);
  }
  const unknown = rest.filter((arg) => arg.startsWith("--"));
  if (unknown.length > 0) return `unknown option ${unknown.join(" ")}. ${USAGE}`;
  if (rest.length !== 1) return `give exactly one plan file. ${USAGE}`;
  return { planPath: rest[0], overridesPath: options["--overrides"], stack: options["--stack"] };
}

const parsed = parseArguments(process.argv.slice(2));
if (typeof parsed === "string") {
  console.error(parsed);
  process.exitCode = 2;
} else {
  const { text, exitCode } = guardPlanFile(parsed.planPath, parsed);
  (exitCode === 0 ? console.log : console.error)(text);
  process.exitCode = exitCode;
}
