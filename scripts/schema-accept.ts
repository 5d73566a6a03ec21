/**
 * `npm run schema:accept`: records the code's current table schema in schema.lock.json after a
 * reviewed change. Prints every change; refuses (exit 1, lock untouched) when a change cannot be
 * applied safely as written.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../config/environments";
import { validateEnvironments } from "../config/validate";
import { readSchemaLock } from "../stacks/app";
import { SCHEMA_LOCK_FILE, currentSchema, schemaChanges } from "../stacks/schema-lock";

const lockPath = join(__dirname, "..", SCHEMA_LOCK_FILE);
const environments = validateEnvironments(ENVIRONMENTS);
const changes = schemaChanges(readSchemaLock(lockPath), environments);

if (changes.length === 0) {
  console.log(`${SCHEMA_LOCK_FILE} already matches the code; nothing to accept.`);
} else {
  for (const change of changes) console.log(`[${change.kind}] ${change.message}`);
  if (changes.some((change) => change.kind === "refused")) {
    console.error(`\nNot accepted: the [refused] changes cannot be applied as written. ${SCHEMA_LOCK_FILE} is unchanged.`);
    process.exitCode = 1;
  } else {
    writeFileSync(lockPath, `${JSON.stringify(currentSchema(environments), null, 2)}\n`);
    console.log(`\nAccepted into ${SCHEMA_LOCK_FILE}; commit it so reviewers see the diff (git diff ${SCHEMA_LOCK_FILE}).`);
  }
}
