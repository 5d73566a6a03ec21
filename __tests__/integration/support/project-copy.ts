/**
 * Copies of this checkout for tests that run its scripts, so that no test writes into the checkout
 * it runs from (bundles in .build/, cdktf.out, lock files): each copy gets the files and a link to
 * this checkout's node_modules (shareInstall), and builds its own bundles.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { projectRoot, shareInstall } from "../../../stacks/project-root";

// Also when bundled (npm run bench uses it).
const root = projectRoot();

/** What a copy leaves out: git's folder, the install (linked instead) and what scripts and tools write. */
const NOT_COPIED = new Set([".git", "node_modules", ".build", "cdktf.out", "ci-cdktf.out", "coverage", ".dynamodb-local", "dist"]);

/** The checkout's top-level files and folders, but NOT_COPIED (no git needed: some tests run jest without it on PATH). */
export function checkoutFiles(): string[] {
  return readdirSync(root).filter((name) => !NOT_COPIED.has(name));
}

/** Returns the copy's directory (under the run's temporary directory; the caller removes it). */
export function copyProject(prefix: string, files: string[], parent = tmpdir()): string {
  const copy = mkdtempSync(join(parent, prefix));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file), { recursive: true, preserveTimestamps: true, force: true });
  }
  shareInstall(root, copy);
  return copy;
}

/** Set by support/global-setup.ts: one copy of the whole checkout, shared by the files that only run scripts. */
export const SHARED_CHECKOUT = "OPSDATA_TESTS_CHECKOUT";

/** The integration suite's shared copy of the checkout (made by support/global-setup.ts, removed by global-teardown.ts). */
export function sharedCheckout(): string {
  const copy = process.env[SHARED_CHECKOUT];
  if (!copy) throw new Error(`${SHARED_CHECKOUT} is not set: run the integration tests through jest (support/global-setup.ts)`);
  return copy;
}
