/**
 * A throwaway copy of this checkout for tests that run its scripts and edit its files: the given
 * files with their timestamps, this checkout's node_modules (linked) and its run-ts.js bundles, so
 * scripts/run-ts.js only rebuilds a project bundle whose sources the test changes. The vendor
 * bundles are linked, not copied: they follow node_modules, which the copy shares.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = join(__dirname, "../../..");

/** Returns the copy's directory (under the run's temporary directory; the caller removes it). */
export function copyProject(prefix: string, files: string[]): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  for (const file of [...files, ".build/project"].filter((name) => existsSync(join(root, name)))) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  if (existsSync(join(root, ".build/vendor"))) {
    mkdirSync(join(copy, ".build"), { recursive: true });
    symlinkSync(join(root, ".build/vendor"), join(copy, ".build/vendor"), "dir");
  }
  return copy;
}
