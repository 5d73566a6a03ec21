/**
 * `npm run schema:accept`: records the code's current table schema in schema.lock.json after a
 * reviewed change, printing every change and the lock's diff. Refuses (exit 1, lock untouched) a
 * change Terraform would skip or fail on. An unreadable lock is regenerated from the code (the diff
 * shows everything it records); a lock from a newer version is never overwritten.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../config/environments";
import { validateEnvironments } from "../config/validate";
import { readSchemaLock } from "../stacks/app";
import { projectRoot } from "../stacks/project-root";
import { SCHEMA_LOCK_FILE, SchemaLockFileError, acceptSchema, type LockedSchema } from "../guards/schema-lock";

function readLockOrRegenerate(lockPath: string): LockedSchema | undefined {
  try {
    return readSchemaLock(lockPath);
  } catch (error) {
    if (!(error instanceof SchemaLockFileError) || !error.regenerable) throw error;
    console.warn(`${error.message}\nRegenerating ${SCHEMA_LOCK_FILE} from the code: review every line of the diff below.\n`);
    return undefined;
  }
}

function main(): void {
  const root = projectRoot();
  const lockPath = join(root, SCHEMA_LOCK_FILE);
  const { changes, accepted } = acceptSchema(readLockOrRegenerate(lockPath), validateEnvironments(ENVIRONMENTS));

  if (changes.length === 0) {
    console.log(`${SCHEMA_LOCK_FILE} already matches the code; nothing to accept.`);
    return;
  }
  for (const change of changes) console.log(`[${change.kind}] ${change.message}`);
  if (!accepted) {
    console.error(`\nNot accepted: Terraform would skip or fail on the [refused] changes. ${SCHEMA_LOCK_FILE} is unchanged.`);
    process.exitCode = 1;
    return;
  }
  if (changes.some((change) => change.kind === "unsafe")) {
    console.warn(
      "\nWARNING: [unsafe] changes destroy data, break consumers or are ignored by the provider; make sure their procedure was followed.",
    );
  }
  writeFileSync(lockPath, `${JSON.stringify(accepted, null, 2)}\n`);
  console.log(`\nAccepted into ${SCHEMA_LOCK_FILE}. The diff reviewers will see:`);
  spawnSync("git", ["--no-pager", "diff", "--", SCHEMA_LOCK_FILE], { cwd: root, stdio: "inherit" });
}

try {
  main();
} catch (error) {
  // Config and lock-file errors are written for people: the message, not a stack trace.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
