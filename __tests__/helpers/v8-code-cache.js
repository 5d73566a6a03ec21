/**
 * Module functions compiled with V8's code cache kept on disk (code-cache-runtime.js uses it for
 * what jest loads from node_modules).
 *
 * A module is compiled as a script that evaluates to its function, so that its cache can be made
 * after the module ran (`script.createCachedData()`, Node's vm documentation): `save` writes it
 * then, and it holds the functions that ran, which V8 compiles lazily, not only the top level.
 * The source must be a valid function body, as CommonJS modules are: one that is not could close
 * the wrapper early, where jest's vm.compileFunction would reject it.
 *
 * V8 checks a cache against the source's length only (`return 111` and `return 222` share one:
 * scripts/run-ts.js has the same trap), so the cache file is named by a hash of the whole source.
 * A cache V8 rejects (cut short, or made by another V8 or with other flags) is written again. V8
 * does not checksum a cache's contents, so files only ever appear whole (written, then renamed);
 * one damaged inside on disk could crash a worker: `npx jest --clearCache` removes them all.
 */
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { Script } = require("node:vm");

class CodeCache {
  /** @param {string} directory where cache files go (created on the first save) */
  constructor(directory) {
    this.directory = directory;
    /** @type {Array<{ script: Script, file: string }>} compiled without a usable cache */
    this.unsaved = [];
  }

  /**
   * The function of a module: `source` as the body, `parameters` as its parameter names, compiled
   * in `context` (a vm context) with the cache for exactly this source if there is one.
   * @param {string} source
   * @param {string} filename shown in stack traces
   * @param {readonly string[]} parameters
   * @param {import("node:vm").Context} context
   * @returns {Function}
   */
  compile(source, filename, parameters, context) {
    // An anonymous function, as vm.compileFunction makes: the same name ("") and stack frames.
    const prefix = `[function(${parameters.join(",")}){`;
    const code = `${prefix}${source}\n}]`;
    const file = join(this.directory, createHash("sha256").update(code).digest("hex"));
    let cachedData;
    try {
      cachedData = readFileSync(file);
    } catch {
      // no cache for this source yet
    }
    // columnOffset: stack traces give first-line columns of the module, not of the prefix.
    const script = new Script(code, { filename, columnOffset: -prefix.length, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) this.unsaved.push({ script, file });
    return script.runInContext(context)[0];
  }

  /**
   * Writes the cache of every module compiled without one since the last save (each file written
   * whole, then renamed into place: jest's workers share the directory). A cache that cannot be
   * written costs speed, not correctness, so that is a warning.
   * @returns {number} how many cache files were written
   */
  save() {
    const unsaved = this.unsaved.splice(0);
    let written = 0;
    let partial;
    try {
      if (unsaved.length > 0) mkdirSync(this.directory, { recursive: true });
      for (const { script, file } of unsaved) {
        partial = `${file}.${process.pid}.partial`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, file);
        written++;
      }
    } catch (error) {
      try {
        if (partial) rmSync(partial, { force: true });
      } catch {
        // the warning below says enough
      }
      console.warn(
        `__tests__/helpers/v8-code-cache.js: V8 code cache not written to ${this.directory} (${error.message}); tests run, only slower`,
      );
    }
    return written;
  }
}

module.exports = { CodeCache };
