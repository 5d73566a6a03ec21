/**
 * Jest gives every test file a fresh module registry, so every file compiles each module it loads
 * again. Two packages we use are spread over hundreds of small files: cdktf's root pulls in ~380
 * modules (archiver, lodash, semver, readable-stream...), zod's ~95 (50 of them locales). Each of the
 * AWS provider's submodules is one file, but most of it is an inline base64 source map (2.5 MB for
 * the Firehose resource). This transform hands jest:
 *   - cdktf's and zod's entry points as one esbuild bundle each (unit suite: ~20 s -> ~14 s of CPU);
 *   - the provider's submodules without comments, whitespace and source maps (names are kept).
 * Jest caches the output on disk, keyed by the package's version, the source and this file.
 *
 * Kept out of the cdktf bundle, so every part still shares one copy: `constructs` (project
 * constructs extend its Construct) and the token stack-trace module, which jest.config.js maps to
 * the stub synth's bundle uses (its require paths stay relative to lib/, as jest's mapper expects).
 * As in synth's bundle, archiver and its ~200 modules are left out, and an ARCHIVE asset is zipped
 * by the installed fs.js (scripts/cdktf-in-a-bundle.js).
 */
"use strict";
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { buildSync, transformSync } = require("esbuild");
const { ARCHIVER_LEFT_OUT, zipWithInstalledFs } = require("../../scripts/cdktf-in-a-bundle");

// cdkt[fn]: the same holds for CDK Terrain (README, "Moving to CDK Terrain").
const BUNDLED_ENTRY = /[\\/]node_modules[\\/](cdkt[fn][\\/]lib[\\/]index\.js|zod[\\/]index\.cjs)$/;
// This file and what it bundles into cdktf.
const ownSource = Buffer.concat(
  [__filename, require.resolve("../../scripts/cdktf-in-a-bundle"), ARCHIVER_LEFT_OUT.archiver].map((file) => readFileSync(file)),
);

/** The version in the package.json of the package that holds `file`. */
function packageVersion(file) {
  for (let directory = dirname(file); directory !== dirname(directory); directory = dirname(directory)) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
      if (manifest.name && manifest.version) return `${manifest.name}@${manifest.version}`;
    } catch {
      // no package.json at this level (or a nested one without a name): keep going up
    }
  }
  return "unknown";
}

module.exports = {
  getCacheKey(source, file) {
    return createHash("sha256").update(ownSource).update(packageVersion(file)).update(file).update(source).digest("hex");
  },
  process(source, file) {
    const minify = { minifyWhitespace: true, minifySyntax: true, target: "node20", logLevel: "warning", legalComments: "none" };
    if (!BUNDLED_ENTRY.test(file)) return { code: transformSync(source, { ...minify, loader: "js", format: "cjs" }).code };
    const { outputFiles } = buildSync({
      ...minify,
      entryPoints: [file],
      bundle: true,
      platform: "node",
      format: "cjs",
      write: false,
      external: ["constructs", "*/stack-trace"],
      // ~1 s less CPU over the unit suite.
      alias: ARCHIVER_LEFT_OUT,
    });
    return { code: zipWithInstalledFs(outputFiles[0].text) };
  },
};
