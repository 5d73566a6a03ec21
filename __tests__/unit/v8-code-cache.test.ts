/**
 * Module functions compiled with V8's code cache on disk (__tests__/helpers/v8-code-cache.js), and
 * jest's runtime here that uses it for node_modules (code-cache-runtime.js) in a real child jest.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cachedDataVersionTag } from "node:v8";
import { createContext } from "node:vm";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS, loaded by jest's runtime
const { CodeCache } = require("../helpers/v8-code-cache.js") as {
  CodeCache: new (directory: string) => {
    compile(source: string, filename: string, parameters: readonly string[], context: object): (...args: unknown[]) => unknown;
    save(): number;
  };
};

const PARAMETERS = ["module", "exports", "require"];
let directory: string;
beforeEach(() => (directory = mkdtempSync(join(tmpdir(), "v8-code-cache-"))));
afterEach(() => rmSync(directory, { recursive: true, force: true }));

let runs = 0;
/**
 * module.exports of `source` run as a module through a fresh CodeCache on `directory`, and how many
 * caches its save wrote. Each run has its own file name, as a new process would: V8 keeps what it
 * compiled in memory by source and name, and would otherwise not even read the cache on disk.
 */
function runModule(source: string): { exports: unknown; written: number } {
  const cache = new CodeCache(directory);
  const module = { exports: {} as unknown };
  cache.compile(source, `module-${++runs}.js`, PARAMETERS, createContext({}))(module, module.exports, () => undefined);
  return { exports: module.exports, written: cache.save() };
}

test("GIVEN no cache WHEN a module runs and is saved THEN one cache file is written, and the next compile of that source uses it", () => {
  expect(runModule("module.exports = [1, 2, 3].map((n) => n * 2);")).toEqual({ exports: [2, 4, 6], written: 1 });
  expect(readdirSync(directory)).toHaveLength(1);

  expect(runModule("module.exports = [1, 2, 3].map((n) => n * 2);")).toEqual({ exports: [2, 4, 6], written: 0 });
  expect(readdirSync(directory)).toHaveLength(1);
});

test("GIVEN a cache for `return 111` WHEN the module becomes `return 222` (same length, which is all V8 checks) THEN 222 runs, from its own cache", () => {
  expect(runModule("module.exports = (() => { return 111; })();")).toEqual({ exports: 111, written: 1 });
  expect(runModule("module.exports = (() => { return 222; })();")).toEqual({ exports: 222, written: 1 });
  expect(readdirSync(directory)).toHaveLength(2);
  expect(runModule("module.exports = (() => { return 222; })();")).toEqual({ exports: 222, written: 0 });
});

test("GIVEN a cache file that is not V8's (cut short, or written by another V8) WHEN its module compiles THEN V8 rejects it, the module runs, and the cache is written again", () => {
  runModule("module.exports = 'fine';");
  const [file] = readdirSync(directory);
  writeFileSync(join(directory, file), "not a code cache");

  expect(runModule("module.exports = 'fine';")).toEqual({ exports: "fine", written: 1 });
  expect(readFileSync(join(directory, file), "utf8")).not.toBe("not a code cache");
  expect(runModule("module.exports = 'fine';")).toEqual({ exports: "fine", written: 0 });
});

test("GIVEN a module WHEN it runs THEN, as with jest's vm.compileFunction, its globals are the context's, `this` is what it is called with, the function has no name and stack traces give the module's own columns", () => {
  const cache = new CodeCache(directory);
  const run = cache.compile(
    "module.exports = { marker: globalThis.marker, self: this }; throw new Error('at column 67');",
    "thrower.js",
    PARAMETERS,
    createContext({ marker: "from the context" }),
  );
  const module = { exports: {} as Record<string, unknown> };
  const exportsCalledWith = module.exports;
  let stack = "";
  try {
    run.call(module.exports, module, module.exports, () => undefined);
  } catch (error) {
    stack = (error as Error).stack ?? "";
  }
  expect(module.exports.marker).toBe("from the context");
  expect(module.exports.self).toBe(exportsCalledWith);
  expect(run.name).toBe("");
  expect(stack.split("\n")[1]).toBe("    at Object.<anonymous> (thrower.js:1:67)");
});

test("GIVEN a cache directory that cannot be created WHEN saved THEN a warning says so and nothing throws", () => {
  const notADirectory = join(directory, "a-file");
  writeFileSync(notADirectory, "");
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  try {
    const cache = new CodeCache(join(notADirectory, "cache"));
    cache.compile("module.exports = 1;", "one.js", PARAMETERS, createContext({}));
    expect(cache.save()).toBe(0);
    expect(warn.mock.calls).toEqual([
      [
        expect.stringMatching(
          /^__tests__\/helpers\/v8-code-cache\.js: V8 code cache not written to .+\/a-file\/cache \(ENOTDIR: .+\); tests run, only slower$/,
        ),
      ],
    ]);
  } finally {
    warn.mockRestore();
  }
});

const root = join(__dirname, "../..");
const JEST_MODULE_PARAMETERS = ["module", "exports", "require", "__dirname", "__filename", "jest"];
const PACKAGES = {
  answer: "module.exports = { answer: 6 * 7 };\n",
  // import() cannot run from a code cache (the script loses its callback): left to jest.
  lazy: 'module.exports = { load: () => import("node:path") };\n',
};

test("GIVEN a test that loads packages WHEN a child jest with this runtime runs it twice THEN it passes both times, the second run from the first run's caches, and a package with import() is not cached", () => {
  for (const [name, source] of Object.entries(PACKAGES)) {
    mkdirSync(join(directory, "node_modules", name), { recursive: true });
    writeFileSync(join(directory, "node_modules", name, "index.js"), source);
  }
  writeFileSync(
    join(directory, "answer.test.js"),
    'test("answer", () => expect([require("answer").answer, typeof require("lazy").load]).toEqual([42, "function"]));\n',
  );
  const cacheDirectory = join(directory, "jest-cache");
  const config = { rootDir: directory, cacheDirectory, transform: {}, runtime: join(root, "__tests__/helpers/code-cache-runtime.js") };
  writeFileSync(join(directory, "jest.config.json"), JSON.stringify(config));
  const runJest = () => {
    const jest = [join(root, "node_modules/jest/bin/jest.js"), "--config", join(directory, "jest.config.json"), "--ci"];
    // This process's V8 flags too: they are part of the cache folder's name (V8's cache tag).
    const run = spawnSync(process.execPath, [...process.execArgv, ...jest], { cwd: directory, encoding: "utf8" });
    const passed = /Tests:\s+1 passed, 1 total/.test(run.stderr);
    return { status: run.status, passed, output: passed ? "" : run.stderr };
  };
  /** Every cache file with its modification time. */
  const cacheFiles = () => {
    // One folder per Node version, architecture and V8 cache tag (which V8 flags change).
    expect(readdirSync(join(cacheDirectory, "v8-code-cache"))).toEqual([`${process.version}-${process.arch}-${cachedDataVersionTag()}`]);
    const caches = join(cacheDirectory, "v8-code-cache", `${process.version}-${process.arch}-${cachedDataVersionTag()}`);
    return { caches, files: Object.fromEntries(readdirSync(caches).map((file) => [file, statSync(join(caches, file)).mtimeMs])) };
  };

  expect(runJest()).toEqual({ status: 0, passed: true, output: "" });
  const first = cacheFiles();
  expect(runJest()).toEqual({ status: 0, passed: true, output: "" });
  expect(cacheFiles()).toEqual(first);

  // Jest's own modules that run inside the test (jest-circus, expect...) are cached there too. The
  // answer package's cache is among them, made with jest's module parameters: a new compile of its
  // source finds it valid and has nothing to write. The lazy package has none.
  const compileAndSave = (source: string) => {
    const check = new CodeCache(first.caches);
    check.compile(source, "index.js", JEST_MODULE_PARAMETERS, createContext({}));
    return check.save();
  };
  expect({ answer: compileAndSave(PACKAGES.answer), lazy: compileAndSave(PACKAGES.lazy) }).toEqual({ answer: 0, lazy: 1 });
});
