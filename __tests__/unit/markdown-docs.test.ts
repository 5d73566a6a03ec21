/** The README, docs/ and the CHANGELOG fit 120 columns outside code blocks, and their relative links resolve. */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anchorsOf, brokenLinks, headingAnchor, wideLines } from "../helpers/markdown-lint";

const root = join(__dirname, "../..");
const read = (path: string) => readFileSync(path, "utf8");

describe("the checks", () => {
  test("GIVEN a wide line in prose, in a code block and in a link definition WHEN checked THEN only the prose is reported", () => {
    const wide = "x".repeat(121);
    const text = ["# t", wide, "```sh", wide, "```", `[ref]: https://example.com/${wide}`, "y".repeat(120)].join("\n");

    expect(wideLines("a.md", text)).toEqual(["a.md:2: 121 columns (at most 120 outside code blocks)"]);
  });

  test("GIVEN headings WHEN anchored THEN GitHub's anchors, repeats numbered", () => {
    expect(headingAnchor("Plan guard: `npm run plan:guard`")).toBe("plan-guard-npm-run-planguard");
    expect([...anchorsOf("# Set up\n## Set up\n```\n# not a heading\n```\n")]).toEqual(["set-up", "set-up-1"]);
  });

  describe("links", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "markdown-lint-"));
      mkdirSync(join(dir, "docs"));
      writeFileSync(join(dir, "docs/page.md"), "# Page\n\n## A section\n");
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test("GIVEN links to a missing file, a missing anchor and good targets WHEN checked THEN the bad ones are named", () => {
      const text = [
        "[ok](docs/page.md#a-section) [web](https://example.com/x) [self](#top) [gone](docs/gone.md)",
        "[bad anchor](docs/page.md#nope) `[in code](docs/also-gone.md)` [bad self](#nowhere)",
        "# Top",
      ].join("\n");

      expect(brokenLinks(dir, "README.md", text, read)).toEqual([
        "README.md: docs/gone.md (no file docs/gone.md)",
        "README.md: docs/page.md#nope (no heading with anchor #nope in docs/page.md)",
        "README.md: #nowhere (no heading with anchor #nowhere here)",
      ]);
    });
  });
});

describe("the project's Markdown", () => {
  const docs = readdirSync(join(root, "docs"), { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".md"))
    .map((path) => join("docs", path));
  const files = ["README.md", "CHANGELOG.md", ...docs.sort()];

  test("GIVEN the docs WHEN listed THEN the pages other helpers and tools write into are there", () => {
    expect(files).toEqual(expect.arrayContaining(["docs/environments.md", "docs/cost.md", "docs/adr/README.md"]));
  });

  test.each(files)("GIVEN %s WHEN checked THEN no line is wider than 120 columns outside code blocks", (file) => {
    expect(wideLines(file, read(join(root, file)))).toEqual([]);
  });

  test.each(files)("GIVEN %s WHEN its relative links are followed THEN each file and heading exists", (file) => {
    expect(brokenLinks(root, file, read(join(root, file)), read)).toEqual([]);
  });
});
