/**
 * The package README shows examples/access-patterns.ts verbatim from its first import, importing the
 * package by name (the integration tests run both: the file from this checkout, the README block
 * from the packed tarball).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "../..");

test("GIVEN the @opsdata/access README WHEN read THEN its example is examples/access-patterns.ts, importing @opsdata/access", () => {
  const readme = readFileSync(join(root, "packages/opsdata-access/README.md"), "utf8");
  const example = readFileSync(join(root, "examples/access-patterns.ts"), "utf8");
  const published = example.slice(example.indexOf("import ")).replace('from "../packages/opsdata-access/src"', 'from "@opsdata/access"');
  expect(published).toContain('from "@opsdata/access";');
  expect(readme).toContain("<!-- example:start -->\n\n```ts\n" + published + "```\n\n<!-- example:end -->");
});
