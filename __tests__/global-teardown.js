/** Removes the directory global-setup.js made for the run's temporary files. */
"use strict";
const { rmSync } = require("node:fs");

module.exports = () => {
  if (process.env.OPSDATA_TESTS_TMPDIR) rmSync(process.env.OPSDATA_TESTS_TMPDIR, { recursive: true, force: true });
};
