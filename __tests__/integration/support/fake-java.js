#!/usr/bin/env node
/**
 * Stands in for `java` where a test is about the process around DynamoDB Local, not the engine
 * (the watchdog test in npm-run-local.test.ts): answers `java -version`, and otherwise listens on
 * the `-port` it is given, as DynamoDB Local does, until it is stopped (SIGTERM: exits 143, as a JVM
 * does). A real JVM start costs ~2-3 s of CPU; the other tests run the real one.
 */
"use strict";
const args = process.argv.slice(2);
if (args.includes("-version")) process.exit(0);
process.once("SIGTERM", () => process.exit(143));
require("node:net")
  .createServer()
  .listen(Number(args[args.indexOf("-port") + 1]), "127.0.0.1");
