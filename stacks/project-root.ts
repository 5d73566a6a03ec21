import { existsSync } from "node:fs";
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
