import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The result of `compute` for `key`, computed once per `npm test` run and shared by every test
 * file: jest runs each file in a fresh module registry, so an in-memory cache ends with the file.
 * For deterministic work only (synthesizing a given config): within one run the code cannot change.
 * Stored under the run's temporary directory (__tests__/global-setup.js), which is removed at the
 * end; written atomically, so two workers computing the same key at once both read a whole file.
 */
export function oncePerRun(key: string, compute: () => string): string {
  const runDirectory = process.env.OPSDATA_TESTS_TMPDIR;
  if (!runDirectory) return compute();
  const directory = join(runDirectory, "once-per-run");
  const file = join(directory, `${createHash("sha256").update(key).digest("hex")}.json`);
  try {
    return readFileSync(file, "utf8");
  } catch {
    const value = compute();
    mkdirSync(directory, { recursive: true });
    writeFileSync(`${file}.${process.pid}`, value);
    renameSync(`${file}.${process.pid}`, file);
    return value;
  }
}
