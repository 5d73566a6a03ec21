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

test("GIVEN the root README WHEN its abridged environment example is read THEN every line of it is in config/environments.ts", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const example = readme.slice(readme.indexOf("## Example"));
  const start = example.indexOf("```ts\n") + "```ts\n".length;
  const block = example.slice(start, example.indexOf("\n```", start));
  const config = new Set(
    readFileSync(join(root, "config/environments.ts"), "utf8")
      .split("\n")
      .map((line) => line.trim()),
  );
  const lines = block.split("\n").map((line) => line.trim());
  expect(lines.length).toBeGreaterThan(5);
  expect(lines.filter((line) => !config.has(line))).toEqual([]);
});
