import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";

/** The repository root (where package.json is), also when running from the .build/ bundle. */
export function projectRoot(from = __dirname): string {
  let directory = from;
  while (!existsSync(join(directory, "package.json"))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${from}`);
    directory = parent;
  }
  return directory;
}

/**
 * Gives another checkout of this repository (cost's worktree, a test's copy) this checkout's
 * install: node_modules, and the vendor bundles scripts/run-ts.js builds from it (.build/vendor),
 * so the other checkout only bundles its own sources. Both are linked, not copied.
 */
export function shareInstall(root: string, checkout: string): void {
  symlinkSync(join(root, "node_modules"), join(checkout, "node_modules"), "dir");
  const vendorBundles = join(root, ".build", "vendor");
  if (existsSync(vendorBundles)) {
    mkdirSync(join(checkout, ".build"), { recursive: true });
    symlinkSync(vendorBundles, join(checkout, ".build", "vendor"), "dir");
  }
}
