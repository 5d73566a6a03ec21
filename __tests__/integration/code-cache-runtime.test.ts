/**
 * Jest's runtime with V8's code cache (__tests__/helpers/code-cache-runtime.js), in a real jest run:
 * a child jest on a scratch project whose test loads one package from node_modules.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContext } from "node:vm";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS, loaded by jest's runtime
const { CodeCache } = require("../helpers/v8-code-cache.js") as {
  CodeCache: new (directory: string) => { compile(...args: unknown[]): unknown; save(): number };
};

const root = join(__dirname, "../..");
const project = mkdtempSync(join(tmpdir(), "code-cache-runtime-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const PACKAGE_SOURCE = "module.exports = { answer: 6 * 7 };\n";

test("GIVEN a test that loads a package WHEN jest runs it THEN it passes, and the package's code cache is on disk for the next run", () => {
  mkdirSync(join(project, "node_modules/answer"), { recursive: true });
  writeFileSync(join(project, "node_modules/answer/index.js"), PACKAGE_SOURCE);
  writeFileSync(join(project, "answer.test.js"), 'test("answer", () => expect(require("answer").answer).toBe(42));\n');
  const cacheDirectory = join(project, "jest-cache");
  writeFileSync(
    join(project, "jest.config.json"),
    JSON.stringify({ rootDir: project, cacheDirectory, transform: {}, runtime: join(root, "__tests__/helpers/code-cache-runtime.js") }),
  );

  const run = spawnSync(
    process.execPath,
    [join(root, "node_modules/jest/bin/jest.js"), "--config", join(project, "jest.config.json"), "--ci"],
    {
      cwd: project,
      encoding: "utf8",
    },
  );
  expect({ status: run.status, passed: /Tests:\s+1 passed, 1 total/.test(run.stderr) }).toEqual({ status: 0, passed: true });

  // Jest's own modules that run inside the test (jest-circus, expect...) are cached there too; the
  // package's cache is among them, compiled with jest's module parameters: a new compile of the same
  // source finds it valid and has nothing to write.
  const caches = join(cacheDirectory, "v8-code-cache", `${process.version}-${process.arch}`);
  const check = new CodeCache(caches);
  check.compile(PACKAGE_SOURCE, "index.js", ["module", "exports", "require", "__dirname", "__filename", "jest"], createContext({}));
  expect(check.save()).toBe(0);
});
