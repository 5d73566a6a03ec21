/**
 * `npm run schema:accept`: records the code's current table schema in schema.lock.json after a
 * reviewed change, printing every change and the lock's diff; a GSI change on an autoscaled table or a
 * switch to PROVISIONED is recorded as pending. Refuses (exit 1, lock untouched) while an earlier
 * change is still pending. An unreadable lock is regenerated from the code (the diff shows everything
 * it records); a lock from a newer version is never overwritten.
 *
 * `npm run schema:applied` (`--applied`): after every environment has applied the pending changes,
 * records that, so Terraform ignores those tables' GSIs and capacity again.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../config/environments";
import { wrapLines } from "../config/output-width";
import { validateEnvironments } from "../config/validate";
import { readSchemaLock } from "../stacks/app";
import { projectRoot } from "../stacks/project-root";
import { SCHEMA_LOCK_FILE, SchemaLockFileError, acceptSchema, markPendingApplied, type LockedSchema } from "../guards/schema-lock";

function readLockOrRegenerate(lockPath: string): LockedSchema | undefined {
  try {
    return readSchemaLock(lockPath);
  } catch (error) {
    if (!(error instanceof SchemaLockFileError) || !error.regenerable) throw error;
    // Pending changes are recorded only in the lock: regenerating it from the code would drop them.
    if (/"apply(IndexChanges|BillingModeSwitch)"\s*:\s*true/.test(readFileSync(lockPath, "utf8"))) {
      throw new Error(
        `${error.message}.\nIt records a change still pending (applyIndexChanges or applyBillingModeSwitch: true), which ` +
          `regenerating would drop: repair the file by hand (e.g. resolve the merge conflict), keeping those flags.`,
      );
    }
    console.warn(wrapLines(`${error.message}\nRegenerating ${SCHEMA_LOCK_FILE} from the code: review every line of the diff below.\n`));
    return undefined;
  }
}

function writeLock(root: string, lockPath: string, lock: LockedSchema, what: string): void {
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`\n${what} ${SCHEMA_LOCK_FILE}. The diff reviewers will see:`);
  spawnSync("git", ["--no-pager", "diff", "--", SCHEMA_LOCK_FILE], { cwd: root, stdio: "inherit" });
}

function accept(root: string, lockPath: string): void {
  const { changes, accepted } = acceptSchema(readLockOrRegenerate(lockPath), validateEnvironments(ENVIRONMENTS));

  if (changes.length === 0) {
    console.log(`${SCHEMA_LOCK_FILE} already matches the code; nothing to accept.`);
    return;
  }
  for (const change of changes) console.log(wrapLines(`[${change.kind}] ${change.message}`));
  if (!accepted) {
    console.error(`\nNot accepted: do what the [refused] changes say first. ${SCHEMA_LOCK_FILE} is unchanged.`);
    process.exitCode = 1;
    return;
  }
  if (changes.some((change) => change.kind === "unsafe")) {
    console.warn(
      "\nWARNING: [unsafe] changes destroy data, break consumers or are ignored by the provider; make sure their procedure was\n" +
        "followed.",
    );
  }
  writeLock(root, lockPath, accepted, "Accepted into");
}

/** After the deploy: the pending changes are applied in every environment. */
function recordApplied(root: string, lockPath: string): void {
  const { cleared, applied } = markPendingApplied(readSchemaLock(lockPath));
  if (!applied) {
    console.log(`Nothing is pending in ${SCHEMA_LOCK_FILE}.`);
    return;
  }
  console.log(wrapLines(`Applied: ${cleared.join(", ")}. Terraform ignores their GSIs and capacity again.`));
  writeLock(root, lockPath, applied, "Recorded in");
}

function main(): void {
  const root = projectRoot();
  const lockPath = join(root, SCHEMA_LOCK_FILE);
  const [mode, ...rest] = process.argv.slice(2);
  if (rest.length > 0 || (mode !== undefined && mode !== "--applied")) {
    console.error("usage: npm run schema:accept | npm run schema:applied");
    process.exitCode = 2;
    return;
  }
  if (mode === "--applied") recordApplied(root, lockPath);
  else accept(root, lockPath);
}

try {
  main();
} catch (error) {
  // Config and lock-file errors are written for people: the message, not a stack trace.
  console.error(error instanceof Error ? wrapLines(error.message) : error);
  process.exitCode = 1;
}
