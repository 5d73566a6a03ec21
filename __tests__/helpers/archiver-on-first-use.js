/**
 * What the prebundled cdktf gets for `archiver` (prebundle-transform.js): cdktf's lib/private/fs.js
 * requires archiver at load (~200 modules: readable-stream, glob, lodash, async, zip-stream...),
 * but calls it only to zip a TerraformAsset of type ARCHIVE, and only when fs.js runs as a script
 * of its own (execSync(`node ${__filename} <src> <dest>`)). So the tests load it on first call, if
 * ever, from the bundled package's own node_modules (CDKTF_PACKAGE: "cdktf" or "cdktn", defined by
 * the transform).
 */
"use strict";
const { dirname } = require("node:path");

// eslint-disable-next-line no-undef -- defined at bundling; in a variable, esbuild leaves require.resolve to jest
const cdktfPackage = CDKTF_PACKAGE;
let archiver;
module.exports = (...args) => {
  archiver ??= require(require.resolve("archiver", { paths: [dirname(require.resolve(cdktfPackage))] }));
  return archiver(...args);
};
