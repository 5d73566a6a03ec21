/**
 * The transform that hands jest cdktf's entry as one bundle (__tests__/helpers/prebundle-transform.js),
 * on cdktf as installed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain-JS jest transform
const transform = require("../helpers/prebundle-transform.js") as { process(source: string, file: string): { code: string } };

const cdktfEntry = join(__dirname, "../../node_modules/cdktf/lib/index.js");

test("GIVEN cdktf's entry WHEN prebundled THEN archiver's modules are left out for a loader that runs on first call, and the token stack-trace module stays a require", () => {
  const { code } = transform.process(readFileSync(cdktfEntry, "utf8"), cdktfEntry);
  // esbuild names each bundled CommonJS module by its path: __commonJS({"node_modules/...js"(exports, module) {...}}).
  const modules = [...code.matchAll(/__commonJS\(\{"([^"]+)"\(/g)].map((match) => match[1]);
  expect(modules).toContain("node_modules/cdktf/lib/private/fs.js");
  expect(modules).toContain("__tests__/helpers/archiver-on-first-use.js");
  expect(modules.filter((path) => /node_modules\/(archiver|readable-stream|lodash|zip-stream)\//.test(path))).toEqual([]);
  expect(code).toContain('require("./private/stack-trace")');
});
