/**
 * A throwaway copy of this checkout for tests that run its scripts and edit its files: the given
 * files with their timestamps, its project bundles and its install (shareInstall), so
 * scripts/run-ts.js only rebuilds a project bundle whose sources the test changes.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { shareInstall } from "../../../stacks/project-root";

const root = join(__dirname, "../../..");

/** Returns the copy's directory (under the run's temporary directory; the caller removes it). */
export function copyProject(prefix: string, files: string[]): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  for (const file of [...files, ".build/project"].filter((name) => existsSync(join(root, name)))) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file), { recursive: true, preserveTimestamps: true });
  }
  shareInstall(root, copy);
  return copy;
}
