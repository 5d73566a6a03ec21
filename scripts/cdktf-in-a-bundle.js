/**
 * cdktf inside an esbuild bundle: synth's (scripts/run-ts.js) and jest's
 * (__tests__/helpers/prebundle-transform.js).
 *
 * cdktf's lib/private/fs.js zips a TerraformAsset of type ARCHIVE by running itself as a script,
 * execSync(`node ${__filename} <src> <dest>`) (zipping has no sync API, its comments say), and
 * requires archiver at load for that script's sake (~200 modules: readable-stream, glob, lodash,
 * async, zip-stream...). In a bundle, __filename is the bundle (synth's) or lib/index.js (jest's),
 * neither of which zips: archive.zip was silently missing. So both bundles run the installed fs.js
 * as that script, and leave archiver out (the bundled fs.js never runs as the script): ~20% less
 * bundle, ~150 ms off building synth's and ~45 ms of CPU off every synth. CDK Terrain (cdktn 0.24)
 * zips in-process with fflate, so its bundle has nothing to rewrite.
 */
"use strict";
const path = require("node:path");

/** esbuild's `alias` option: archiver -> a module that says why it is not there. */
const ARCHIVER_LEFT_OUT = { archiver: path.join(__dirname, "cdktf-archiver-left-out.js") };

/** The script's command, in fs.js and (as whitespace-minifying keeps template literals) in the bundle. */
const RUNS_ITSELF = "`node ${__filename} ";
/** fs.js's module in the bundle: esbuild names each CommonJS module by its path. */
const FS_MODULE = /node_modules[\\/](cdkt[fn])[\\/]lib[\\/]private[\\/]fs\.js"/;

/**
 * The bundle's code with fs.js's command running the installed fs.js (found at run time, from the
 * package's entry). Code without the command (no cdktf, or one that zips in-process) is returned
 * as it is; code with it more than once gets a warning naming this file, as its assets may not be
 * zipped.
 */
function zipWithInstalledFs(code) {
  const fsModule = FS_MODULE.exec(code);
  const commands = code.split(RUNS_ITSELF).length - 1;
  if (fsModule === null || commands === 0) return code;
  if (commands > 1) {
    console.warn(
      `scripts/cdktf-in-a-bundle.js: the bundle has ${commands} \`node \${__filename}\` commands, not one: ` +
        "a TerraformAsset of type ARCHIVE may not be zipped; see how cdktf's lib/private/fs.js zips now and update zipWithInstalledFs",
    );
    return code;
  }
  const lib = `require("node:path").dirname(require.resolve(${JSON.stringify(fsModule[1])}))`;
  return code.replace(RUNS_ITSELF, () => `\`node \${require("node:path").join(${lib}, "private", "fs.js")} `);
}

module.exports = { ARCHIVER_LEFT_OUT, zipWithInstalledFs };
