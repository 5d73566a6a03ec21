/**
 * npm run verify -- <env> [--dry-run]
 *
 * The post-deploy check, run once per environment after its first apply (and after any change to
 * the archive or alarms), with read-only AWS credentials for the environment's account: the newest
 * archived object's retention, every alarm's metric and datapoints, a confirmed subscription on the
 * alarm topic. Prints each check; exits 1 on any gap. `--dry-run` prints the checklist and calls
 * nothing (no credentials needed). See docs/operations.md, "Verify after deploy".
 */
import { parseArgs } from "node:util";
import { ENVIRONMENTS } from "../config/environments";
import { validateEnvironments } from "../config/validate";
import { stackName } from "../config/environment-bounds";
import { synthesizeStacks } from "../stacks/app";
import { checklistFor, describeChecklist } from "../verify/checklist";
import { clientsFor, report, runChecks } from "../verify/run";

const USAGE = "usage: npm run verify -- <env> [--dry-run]";

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { "dry-run": { type: "boolean", default: false } }, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`verify: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const names = ENVIRONMENTS.map((environment) => environment.name);
  const [name, ...extra] = parsed.positionals;
  if (!name || extra.length > 0 || !names.includes(name as (typeof names)[number])) {
    console.error(
      `verify: ${name ? `unknown environment "${name}"` : "no environment given"}; expected one of ${names.join(", ")}\n${USAGE}`,
    );
    return 2;
  }
  const environment = validateEnvironments(ENVIRONMENTS).find((candidate) => candidate.name === name)!;
  const stack = synthesizeStacks()[stackName(environment)];
  const checklist = checklistFor(environment, stack);
  if (parsed.values["dry-run"]) {
    console.log(describeChecklist(checklist).join("\n"));
    return 0;
  }
  console.log(`verify ${name} (account ${environment.aws.accountId}, ${environment.aws.region}), read-only`);
  const { text, exitCode } = report(await runChecks(checklist, clientsFor(environment.aws.region)));
  console.log(text);
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`verify: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
