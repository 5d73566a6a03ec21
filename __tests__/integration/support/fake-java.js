#!/usr/bin/env node
/**
 * Stands in for `java` where a test is about the process around DynamoDB Local, not the engine
 * (the watchdog test in npm-run-local.test.ts, class-data-archive.test.ts): answers `java -version`,
 * and otherwise listens on the `-port` it is given, as DynamoDB Local does, until it is stopped. Asked
 * to write a class data archive at exit (-XX:ArchiveClassesAtExit=<file>), it writes one on SIGTERM
 * and exits as a JVM does (143), or with FAKE_JAVA_EXIT_STATUS if that is set. With
 * FAKE_JAVA_NO_LISTEN set it never listens (a start that fails). A real JVM start costs ~2-3 s of
 * CPU; the other tests run the real one.
 */
"use strict";
const args = process.argv.slice(2);
if (args.includes("-version")) process.exit(0);
const archive = args.find((arg) => arg.startsWith("-XX:ArchiveClassesAtExit="))?.split("=")[1];
process.once("SIGTERM", () => {
  if (archive) require("node:fs").writeFileSync(archive, "classes archived at exit");
  process.exit(Number(process.env.FAKE_JAVA_EXIT_STATUS ?? 143));
});
if (process.env.FAKE_JAVA_NO_LISTEN) require("node:timers").setInterval(() => undefined, 60_000);
else
  require("node:net")
    .createServer()
    .listen(Number(args[args.indexOf("-port") + 1]), "127.0.0.1");
