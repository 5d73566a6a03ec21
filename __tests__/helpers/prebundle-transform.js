/**
 * Jest gives every test file a fresh module registry, so every file compiles each module it loads
 * again. cdktf's root pulls in ~380 modules (archiver, lodash, semver, readable-stream...); zod is
 * ~95 modules, 60 of them locales, of which the project uses a fifth. Each of the AWS provider's
 * submodules is one file, but most of it is an inline base64 source map (2.5 MB for the Firehose
 * resource). This transform hands jest:
 *   - cdktf's entry point as one esbuild bundle;
 *   - config/zod.ts, the project's only import of zod, as one bundle of the parts of zod it exports;
 *   - the provider's submodules without comments, whitespace and source maps (names are kept).
 * Jest caches the output on disk, keyed by the package's version, the source and the bundling code.
 *
 * Kept out of the cdktf bundle, so every part still shares one copy: `constructs` (project
 * constructs extend its Construct). cdktf gets what synth's bundle gets (scripts/cdktf-in-a-bundle.js):
 * no token creation stacks, and archiver loaded only when an ARCHIVE asset is zipped.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { transformSync } = require("esbuild");
const CDKTF_OPTIONS = require("../../scripts/cdktf-in-a-bundle");

// cdkt[fn]: the same holds for CDK Terrain (docs/cdk-terrain.md).
const BUNDLED_ENTRY = /[\\/]node_modules[\\/]cdkt[fn][\\/]lib[\\/]index\.js$|[\\/]config[\\/]zod\.ts$/;
// What decides the output besides the package: this file, the shared bundling code, esbuild's version.
const ownSource = Buffer.concat([
  ...[__filename, require.resolve("../../scripts/cdktf-in-a-bundle")].map((file) => readFileSync(file)),
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
    ...CDKTF_OPTIONS,
    external: ["constructs", ...CDKTF_OPTIONS.external],
  });
  return outputFiles[0].text;
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
    // config/zod.ts's bundle holds zod: keyed by zod's version too.
    const versions = [packageVersion(file), ...(/\.ts$/.test(file) ? [packageVersion(require.resolve("zod"))] : [])];
    return createHash("sha256").update(ownSource).update(versions.join()).update(file).update(source).digest("hex");
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
