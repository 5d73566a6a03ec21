/**
 * Jest's runtime, with V8's code cache for the modules test files load from node_modules.
 *
 * Jest gives every test file a fresh module registry and compiles each module it loads with
 * vm.compileFunction (jest-runtime 30.5, src/internals/ModuleExecutor.ts, `compile`) without a
 * code cache, and V8's in-memory cache does not help either: Node 20 has none for compileFunction,
 * and on later versions each call's own importModuleDynamically defeats it (nodejs/node#35375,
 * #50137). So every test file compiled the AWS SDK, the prebundled cdktf and zod, the provider's
 * submodules and jest's own modules again. This runtime compiles those through v8-code-cache.js
 * instead: the first test file to load one writes its cache when it ends, and every later file,
 * worker and run loads it. Left to jest: project files (small, and edited often), and sources with
 * `import(`, which a script loaded from a code cache cannot run (nodejs/node#43663: the callback
 * is lost).
 *
 * Jest documents `runtime` as a config option: a class that extends its Runtime
 * (https://jestjs.io/docs/configuration#runtime-string). The executor and its `compile` are jest
 * internals; if they change, this runtime says so once and leaves compiling to jest. The caches
 * live in jest's cacheDirectory (`npx jest --clearCache` removes them; nothing else does, so old
 * ones stay after a dependency changes), one folder per Node version, architecture and V8 cache
 * tag (which V8 flags change).
 */
"use strict";
const { join } = require("node:path");
const { cachedDataVersionTag } = require("node:v8");
const Runtime = require("jest-runtime").default;
const { CodeCache } = require("./v8-code-cache");

const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;
const DYNAMIC_IMPORT = /\bimport\s*\(/;
let warned = false;

class CodeCacheRuntime extends Runtime {
  constructor(config, ...rest) {
    super(config, ...rest);
    const executor = this.executor;
    const executorAsExpected =
      typeof executor?.compile === "function" && executor.compile.length === 2 && Array.isArray(executor.injectedModuleParameters);
    if (!executorAsExpected) {
      if (!warned)
        console.warn("__tests__/helpers/code-cache-runtime.js: jest-runtime's ModuleExecutor has changed; running without V8's code cache");
      warned = true;
      return;
    }
    const codeCache = new CodeCache(
      join(config.cacheDirectory, "v8-code-cache", `${process.version}-${process.arch}-${cachedDataVersionTag()}`),
    );
    this.codeCache = codeCache;
    const compileWithJest = executor.compile.bind(executor);
    executor.compile = (source, filename) => {
      const context = executor.environment.getVmContext();
      if (context == null || !IN_NODE_MODULES.test(filename) || DYNAMIC_IMPORT.test(source)) return compileWithJest(source, filename);
      try {
        return codeCache.compile(source, filename, executor.injectedModuleParameters, context);
      } catch (error) {
        // Jest turns syntax errors into its own (an ES module loaded as CommonJS is retried as one).
        if (error instanceof SyntaxError || error?.name === "SyntaxError") return compileWithJest(source, filename);
        throw error;
      }
    };
  }

  teardown() {
    try {
      this.codeCache?.save();
    } finally {
      super.teardown();
    }
  }
}

module.exports = CodeCacheRuntime;
