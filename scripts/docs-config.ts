/**
 * `npm run docs:config`: rewrites the config reference in docs/environments.md (between its markers) from the
 * zod schema, so descriptions and defaults have one source. A unit test fails while they differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withReference } from "../config/reference-markdown";
import { environmentSchema } from "../config/schema";
import { projectRoot } from "../stacks/project-root";

const pagePath = "docs/environments.md";
const readmePath = join(projectRoot(), pagePath);
const readme = readFileSync(readmePath, "utf8");
try {
  const updated = withReference(readme, environmentSchema, pagePath);
  if (updated === readme) {
    console.log(`${pagePath}: the config reference is up to date`);
  } else {
    writeFileSync(readmePath, updated);
    console.log(`${pagePath}: config reference rewritten from config/schema.ts`);
  }
} catch (error) {
  // An undocumented field or missing markers: the message says what to fix; the page is untouched.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
