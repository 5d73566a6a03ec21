/**
 * Jest gives every test file a fresh module registry, so every file compiles each module it loads
 * again. Two packages we use are spread over hundreds of small files: cdktf's root pulls in ~380
 * modules (archiver, lodash, semver, readable-stream...), zod's ~95 (60 of them locales). Each of the
 * AWS provider's submodules is one file, but most of it is an inline base64 source map (2.5 MB for
 * the Firehose resource). This transform hands jest:
 *   - cdktf's and zod's entry points as one esbuild bundle each;
 *   - the provider's submodules without comments, whitespace and source maps (names are kept).
 * Jest caches the output on disk, keyed by the package's version, the source and the bundling code.
 *
 * Kept out of the cdktf bundle, so every part still shares one copy: `constructs` (project
 * constructs extend its Construct) and the token stack-trace module, which jest.config.js maps to
 * the stub synth's bundle uses (its require paths stay relative to lib/, as jest's mapper expects).
 * As in synth's bundle (scripts/packages-in-a-bundle.js), archiver and its ~200 modules are left
 * out, an ARCHIVE asset is zipped by the installed fs.js, and zod's locales but en load on first use.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { transformSync } = require("esbuild");
const { BUNDLE_SOURCES, PACKAGE_OPTIONS, zipWithInstalledFs } = require("../../scripts/packages-in-a-bundle");

// cdkt[fn]: the same holds for CDK Terrain (docs/cdk-terrain.md).
const BUNDLED_ENTRY = /[\\/]node_modules[\\/](cdkt[fn][\\/]lib[\\/]index\.js|zod[\\/]index\.cjs)$/;
// What decides the output besides the package: this file, the shared bundling code, esbuild's version.
const ownSource = Buffer.concat([
  ...[__filename, ...BUNDLE_SOURCES].map((file) => readFileSync(file)),
  Buffer.from(require("esbuild/package.json").version),
]);
const MINIFY = { minifyWhitespace: true, minifySyntax: true, target: "node20", logLevel: "warning", legalComments: "none" };

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

/** One package entry as a bundle (esbuild's async API, the only one that runs plugins). */
async function bundle(file) {
  const { outputFiles } = await require("esbuild").build({
    ...MINIFY,
    entryPoints: [file],
    bundle: true,
    platform: "node",
    format: "cjs",
    write: false,
    external: ["constructs", "*/stack-trace"],
    ...PACKAGE_OPTIONS,
  });
  return zipWithInstalledFs(outputFiles[0].text);
}

// Run as a script by process() below: bundles argv[2] to stdout; a failure exits 1.
if (require.main === module) {
  bundle(process.argv[2]).then(
    (code) => process.stdout.write(code),
    (error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}

module.exports = {
  getCacheKey(source, file) {
    return createHash("sha256").update(ownSource).update(packageVersion(file)).update(file).update(source).digest("hex");
  },
  process(source, file) {
    if (!BUNDLED_ENTRY.test(file)) return { code: transformSync(source, { ...MINIFY, loader: "js", format: "cjs" }).code };
    // A jest transform is synchronous and esbuild's sync API runs no plugins: the bundle is built in
    // a child process (once per package version and transform: jest caches what this returns).
    const child = spawnSync(process.execPath, [__filename, file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, windowsHide: true });
    if (child.status !== 0 || !child.stdout) {
      throw new Error(
        `bundling ${file} for jest failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`}):\n${child.stderr}`,
      );
    }
    // Its warnings (esbuild's, the shared code's).
    process.stderr.write(child.stderr);
    return { code: child.stdout };
  },
};
