#!/usr/bin/env node
/**
 * Runs a TypeScript entry point (`node scripts/run-ts.js main.ts [args]`) as one esbuild bundle of
 * the entry, the project's sources and the packages they use, cached in .build/. No type-checking
 * at run time (`npm run typecheck` does that). One file to load instead of hundreds of cdktf and
 * provider modules (why, and the figures against tsx: docs/adr/0001-bundling.md, docs/testing.md).
 *
 * The cache is used only when it is this checkout's own build of what is there now: its manifest
 * holds a hash of every file that went into the bundle (see contentKey), and the bundle's inode,
 * size and mtime when this script wrote it. A `.build/` that was
 * committed or copied from elsewhere has other inodes, so it is rebuilt, never run.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const CDKTF_OPTIONS = require("./cdktf-in-a-bundle");

const root = path.resolve(__dirname, "..");
const entry = process.argv[2];
if (!entry) {
  console.error("usage: node scripts/run-ts.js <entry.ts> [args...]");
  process.exit(2);
}
const entryPath = path.resolve(root, entry);
const bundleName = path.relative(root, entryPath).replace(/[\\/]/g, "__");
const bundle = path.join(root, ".build", `${bundleName}.js`);
const manifestFile = path.join(root, ".build", `${bundleName}.json`);

/** Identifies the file this script wrote: a copy or checkout of it has another inode. */
function identity(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat && `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

/**
 * Hash of the bundle's inputs (paths relative to root), of what builds it and esbuild's version: the
 * content of the project's files; for installed packages' files (~9 MB, most of it the provider's
 * inline source maps) their inode, size and mtime, which npm renews whenever it writes one.
 */
function contentKey(inputs) {
  const hash = crypto
    .createHash("sha256")
    .update(fs.readFileSync(__filename))
    .update(fs.readFileSync(require.resolve("./cdktf-in-a-bundle")));
  hash.update(require("esbuild/package.json").version);
  for (const input of inputs) {
    const file = path.join(root, input);
    hash.update(`\0${input}\0`).update(/(^|[\\/])node_modules[\\/]/.test(input) ? identity(file) : fs.readFileSync(file));
  }
  return hash.digest("hex");
}

function isFresh() {
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    return manifest.bundle === identity(bundle) && manifest.key === contentKey(manifest.inputs);
  } catch {
    return false; // no manifest, or an input is gone
  }
}

async function build() {
  fs.mkdirSync(path.dirname(bundle), { recursive: true });
  const partial = `${bundle}.${process.pid}.partial`;
  const { metafile } = await require("esbuild").build({
    absWorkingDir: root,
    entryPoints: [entryPath],
    outfile: partial,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    metafile: true,
    ...CDKTF_OPTIONS,
    // Less to parse at every start; names are kept for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    logLevel: "warning",
    // require.resolve("<package>/...") stays a run-time call; from .build/ it resolves through the checkout's node_modules.
    logOverride: { "require-resolve-not-external": "silent" },
  });
  // Whole or not at all: parallel runs (test files) never read half a bundle.
  fs.renameSync(partial, bundle);
  const inputs = Object.keys(metafile.inputs).filter((input) => !input.includes(":")); // not esbuild's virtual modules
  const manifest = JSON.stringify({ inputs, key: contentKey(inputs), bundle: identity(bundle) });
  fs.writeFileSync(`${manifestFile}.${process.pid}.partial`, manifest);
  fs.renameSync(`${manifestFile}.${process.pid}.partial`, manifestFile);
}

// cdktf 0.21 (TerraformOutput) calls util.isArray, which Node 22+ deprecates at run time (DEP0044):
// drop that one warning so synth's output stays clean. The test script passes --disable-warning=DEP0044.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => (rest[1] === "DEP0044" ? undefined : emitWarning.call(process, warning, ...rest));

void (async () => {
  if (!isFresh()) {
    try {
      await build();
    } catch (error) {
      // A syntax error or an import that does not resolve: esbuild has printed file, line and column.
      if (!Array.isArray(error.errors)) throw error;
      console.error(`${path.relative(root, entryPath)} was not run: fix the error${error.errors.length > 1 ? "s" : ""} above.`);
      process.exit(1);
    }
  }
  // Node's own V8 code cache for the bundle (Node 22.1+; https://nodejs.org/api/module.html#module-compile-cache).
  Module.enableCompileCache?.();
  // The entry sees its own path and arguments, as if run directly.
  process.argv.splice(1, 2, entryPath);
  require(bundle);
})();
