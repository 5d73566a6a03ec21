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
  // No test makes a TLS connection (every engine runs on loopback), but Node 20 parses the file
  // NODE_EXTRA_CA_CERTS names, and its own CA bundle, as every process starts (nodejs/node#40524):
  // ~80 ms of CPU each where it names the system's bundle, as on our CI machines, and the suite starts
  // ~60 node processes (jest's workers, the scripts it runs, npm). Node 22 and 24 start no slower with it.
  delete process.env.NODE_EXTRA_CA_CERTS;
};
