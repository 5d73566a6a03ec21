/**
 * `npm run plan -- <env>` / `npm run apply -- <env>`: the guarded local path to an environment.
 * Synthesizes (config validation and schema guard), then terraform init and plan to a saved plan,
 * the plan guard on it, and for apply, after typing the stack name, `terraform apply` of that saved
 * plan. Needs no cdktf CLI (which crashes on Node 24).
 */
import { createInterface } from "node:readline";
import { ENVIRONMENTS } from "../config/environments";
import { synthesize } from "../stacks/app";
import { stackName } from "../config/environment-bounds";
import { guardedTerraform } from "./guarded-terraform";

async function main(): Promise<number> {
  const [command, environment, ...extra] = process.argv.slice(2);
  const names = ENVIRONMENTS.map((entry) => String((entry as { name?: unknown }).name));
  if (!names.includes(environment) || extra.length > 0) {
    const given = environment === undefined ? "no environment given" : `unknown environment "${[environment, ...extra].join(" ")}"`;
    console.error(`${given}. Environments: ${names.join(", ")}.\nusage: npm run ${command} -- <${names.join("|")}>`);
    return 2;
  }
  const synthesized = synthesize().find((entry) => entry.stack === stackName({ name: environment }));
  if (!synthesized) throw new Error(`synth produced no stack for ${environment}`);
  return guardedTerraform({
    directory: synthesized.directory,
    stack: synthesized.stack,
    apply: command === "apply",
    confirm: (question) =>
      new Promise((resolve) => {
        // No answer (stdin closed) is a no.
        const prompt = createInterface({ input: process.stdin, output: process.stdout });
        prompt.once("close", () => resolve(false));
        prompt.once("line", (answer) => {
          resolve(answer.trim() === synthesized.stack);
          prompt.close();
        });
        process.stdout.write(question);
      }),
  });
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    // Config, schema-guard and missing-terraform errors are written for people: no stack trace.
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
