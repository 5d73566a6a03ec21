import { existsSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";

/** The repository root (where package.json is), also when running from a .build/ bundle. */
export function projectRoot(from = __dirname): string {
  let directory = from;
  while (!existsSync(join(directory, "package.json"))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${from}`);
    directory = parent;
  }
  return directory;
}

/** Gives another checkout of this repository (cost's worktree, a test's copy) this checkout's node_modules, linked. */
export function shareInstall(root: string, checkout: string): void {
  symlinkSync(join(root, "node_modules"), join(checkout, "node_modules"), "dir");
}
