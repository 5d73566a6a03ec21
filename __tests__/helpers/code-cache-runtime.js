/**
 * Jest's runtime, with V8's code cache for the modules test files load from node_modules.
 *
 * Jest gives every test file a fresh module registry and compiles each module it loads with
 * vm.compileFunction (jest-runtime 30.5, src/internals/ModuleExecutor.ts, `compile`), which V8
 * caches neither within a process nor across runs. So every test file compiled the AWS SDK, the
 * prebundled cdktf and zod and the provider's submodules again. This runtime compiles those
 * modules through v8-code-cache.js instead: the first test file to load one writes its cache when
 * it ends, and every later file, worker and run loads it. Project files (small, and edited often)
 * are left to jest.
 *
 * Jest documents `runtime` as a config option: a class that extends its Runtime
 * (https://jestjs.io/docs/configuration#runtime-string). The executor and its `compile` are jest
 * internals; if they change, this runtime says so once and leaves compiling to jest. The caches
 * live in jest's cacheDirectory (`npx jest --clearCache` removes them), one folder per Node
 * version and architecture.
 */
"use strict";
const { join } = require("node:path");
const Runtime = require("jest-runtime").default;
const { CodeCache } = require("./v8-code-cache");

const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;
let warned = false;

class CodeCacheRuntime extends Runtime {
  constructor(config, ...rest) {
    super(config, ...rest);
    const executor = this.executor;
    if (typeof executor?.compile !== "function" || !Array.isArray(executor.injectedModuleParameters)) {
      if (!warned)
        console.warn("__tests__/helpers/code-cache-runtime.js: jest-runtime's ModuleExecutor has changed; running without V8's code cache");
      warned = true;
      return;
    }
    const codeCache = new CodeCache(join(config.cacheDirectory, "v8-code-cache", `${process.version}-${process.arch}`));
    this.codeCache = codeCache;
    const compileWithJest = executor.compile.bind(executor);
    executor.compile = (source, filename) => {
      const context = executor.environment.getVmContext();
      if (context == null || !IN_NODE_MODULES.test(filename)) return compileWithJest(source, filename);
      try {
        return codeCache.compile(source, filename, executor.injectedModuleParameters, context, (specifier, _script, attributes, ...rest) =>
          executor.dynamicImport(specifier, filename, context, attributes, rest[0]),
        );
      } catch (error) {
        // Jest turns syntax errors into its own (an ES module loaded as CommonJS is retried as one).
        if (error instanceof SyntaxError || error?.name === "SyntaxError") return compileWithJest(source, filename);
        throw error;
      }
    };
  }

  teardown() {
    this.codeCache?.save();
    super.teardown();
  }
}

module.exports = CodeCacheRuntime;
