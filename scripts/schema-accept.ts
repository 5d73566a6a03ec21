/**
 * `npm run schema:accept`: records the code's current table schema in schema.lock.json after a
 * reviewed change, printing every change and the lock's diff. Refuses (exit 1, lock untouched) a
 * change Terraform would silently skip.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../config/environments";
import { validateEnvironments } from "../config/validate";
import { readSchemaLock } from "../stacks/app";
import { projectRoot } from "../stacks/project-root";
import { SCHEMA_LOCK_FILE, acceptSchema } from "../guards/schema-lock";

const root = projectRoot();
const lockPath = join(root, SCHEMA_LOCK_FILE);
const { changes, accepted } = acceptSchema(readSchemaLock(lockPath), validateEnvironments(ENVIRONMENTS));

if (changes.length === 0) {
  console.log(`${SCHEMA_LOCK_FILE} already matches the code; nothing to accept.`);
} else {
  for (const change of changes) console.log(`[${change.kind}] ${change.message}`);
  if (!accepted) {
    console.error(`\nNot accepted: Terraform would skip the [refused] changes. ${SCHEMA_LOCK_FILE} is unchanged.`);
    process.exitCode = 1;
  } else {
    if (changes.some((change) => change.kind === "unsafe")) {
      console.warn("\nWARNING: [unsafe] changes destroy data or are ignored by the provider; make sure their procedure was followed.");
    }
    writeFileSync(lockPath, `${JSON.stringify(accepted, null, 2)}\n`);
    console.log(`\nAccepted into ${SCHEMA_LOCK_FILE}. The diff reviewers will see:`);
    spawnSync("git", ["--no-pager", "diff", "--", SCHEMA_LOCK_FILE], { cwd: root, stdio: "inherit" });
  }
}
