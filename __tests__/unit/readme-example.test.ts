/** The README shows examples/access-patterns.ts verbatim (the integration tests run the file itself). */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "../..");

test("GIVEN the README WHEN read THEN it contains examples/access-patterns.ts exactly, as a ts block", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const example = readFileSync(join(root, "examples/access-patterns.ts"), "utf8");
  expect(readme).toContain("```ts\n" + example + "```\n");
});
