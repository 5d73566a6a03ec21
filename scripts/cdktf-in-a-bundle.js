/**
 * What cdktf needs inside an esbuild bundle: synth's (scripts/run-ts.js) and jest's
 * (__tests__/helpers/prebundle-transform.js) alike.
 */
"use strict";

/**
 * cdktf captures a full stack trace for every token it creates (lib/tokens/private/stack-trace.js,
 * with Error.stackTraceLimit = MAX_SAFE_INTEGER), only to explain a token that fails to resolve;
 * formatting them dominates synth's CPU. The bundle gets a stub returning no frames; the
 * synthesized JSON is byte-identical.
 */
const noCreationStacks = {
  name: "cdktf-no-token-creation-stacks",
  setup(build) {
    // cdktf's module, and CDK Terrain's (docs/cdk-terrain.md), which names the function captureCreationStack.
    build.onLoad({ filter: /[\\/]cdkt[fn][\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/ }, () => ({
      contents: "exports.captureStackTrace = () => []; exports.captureCreationStack = () => [];",
      loader: "js",
    }));
  },
};

/** The installed module, kept out of bundles (esbuild's `external`). */
const INSTALLED_FS = "cdktf/lib/private/fs.js";
/**
 * cdktf's lib/private/fs.js zips an ARCHIVE asset by running itself, execSync(`node ${__filename}`),
 * which inside a bundle would run the bundle; it also loads archiver (~200 modules) at start. The
 * bundle gets a stand-in that loads the installed fs.js when an asset first needs it.
 */
const installedFs = {
  name: "cdktf-installed-fs",
  setup(build) {
    build.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/ }, () => ({
      contents: `module.exports = new Proxy({}, { get: (_, name) => require(${JSON.stringify(INSTALLED_FS)})[name] });`,
      loader: "js",
    }));
  },
};

/** esbuild options for a bundle holding cdktf. */
module.exports = { external: [INSTALLED_FS], plugins: [noCreationStacks, installedFs] };
