/** Removes the directory global-setup.js made for the run's temporary files. */
"use strict";
const { rmSync } = require("node:fs");

module.exports = () => {
  if (process.env.OPSDATA_TESTS_TMPDIR) rmSync(process.env.OPSDATA_TESTS_TMPDIR, { recursive: true, force: true });
  // What os.tmpdir() was before global-setup.js (watch mode runs again in the same process).
  if (process.env.OPSDATA_TESTS_PARENT_TMPDIR) process.env.TMPDIR = process.env.OPSDATA_TESTS_PARENT_TMPDIR;
};
