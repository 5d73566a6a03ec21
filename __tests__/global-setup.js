/**
 * Every test process writes its temporary files under one directory that globalTeardown removes:
 * cdktf's Testing helpers make an outdir per synth (`cdktf.outdir.*`) and never delete it, and a
 * test killed midway cannot clean up after itself. TMPDIR is inherited by jest's workers and by
 * every process the tests start (terraform, DynamoDB Local, the npm scripts), so os.tmpdir() is here.
 */
"use strict";
const { mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

module.exports = () => {
  // In watch mode this runs before every run, after the previous run's directory was removed: keep
  // making each run's directory in the original temporary directory.
  const parent = process.env.OPSDATA_TESTS_PARENT_TMPDIR ?? tmpdir();
  process.env.OPSDATA_TESTS_PARENT_TMPDIR = parent;
  const root = mkdtempSync(join(parent, "opsdata-tests-"));
  process.env.OPSDATA_TESTS_TMPDIR = root;
  process.env.TMPDIR = root;
};
