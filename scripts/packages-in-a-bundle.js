/**
 * What cdktf and zod need inside an esbuild bundle, to work and to load less: synth's
 * (scripts/run-ts.js) and jest's (__tests__/helpers/prebundle-transform.js) bundles alike.
 *
 * cdktf's lib/private/fs.js zips a TerraformAsset of type ARCHIVE by running itself as a script,
 * execSync(`node ${__filename} <src> <dest>`) (zipping has no sync API, its comments say), and
 * requires archiver at load for that script's sake (~200 modules: readable-stream, glob, lodash,
 * async, zip-stream...). In a bundle, __filename is the bundle (synth's) or lib/index.js (jest's),
 * neither of which zips: archive.zip was silently missing. So both bundles run the installed fs.js
 * as that script, and leave archiver out (the bundled fs.js never runs as the script): ~20% less
 * bundle, ~150 ms off building synth's and ~45 ms of CPU off every synth. CDK Terrain (cdktn 0.24)
 * zips in-process with fflate, so its bundle has nothing to rewrite.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** esbuild's `alias` option: archiver -> a module that says why it is not there. */
const ARCHIVER_LEFT_OUT = { archiver: path.join(__dirname, "cdktf-archiver-left-out.js") };

/** The script's command, in fs.js and (as whitespace-minifying keeps template literals) in the bundle. */
const RUNS_ITSELF = "`node ${__filename} ";
/** fs.js's module in the bundle: esbuild names each CommonJS module by its path. */
const FS_MODULE = /node_modules[\\/](cdkt[fn])[\\/]lib[\\/]private[\\/]fs\.js"/;

/**
 * The bundle's code with fs.js's command running the installed fs.js (found at run time, from the
 * package's entry). Code without the command (no cdktf, or one that zips in-process) is returned
 * as it is; code with it more than once gets a warning naming this file, as its assets may not be
 * zipped.
 */
function zipWithInstalledFs(code) {
  const fsModule = FS_MODULE.exec(code);
  const commands = code.split(RUNS_ITSELF).length - 1;
  if (fsModule === null || commands === 0) return code;
  if (commands > 1) {
    console.warn(
      `scripts/packages-in-a-bundle.js: the bundle has ${commands} \`node \${__filename}\` commands, not one: ` +
        "a TerraformAsset of type ARCHIVE may not be zipped; see how cdktf's lib/private/fs.js zips now and update zipWithInstalledFs",
    );
    return code;
  }
  const lib = `require("node:path").dirname(require.resolve(${JSON.stringify(fsModule[1])}))`;
  return code.replace(RUNS_ITSELF, () => `\`node \${require("node:path").join(${lib}, "private", "fs.js")} `);
}

/**
 * zod's CommonJS build loads all of its ~60 locales at load (v4/locales/index.cjs requires each,
 * for z.locales); zod's own English messages come from en.cjs, which v4/classic/schemas.cjs requires
 * itself. The bundle's index keeps en and loads any other locale on first access, from the
 * installed zod: ~16% less of synth's bundle (~70 ms off building it, ~40 ms of CPU off every
 * synth) and ~20 ms of CPU less per jest test file. An index that reads otherwise is bundled as it is.
 */
const LOCALE_EXPORT =
  /var (\w+) = require\("\.\/([\w-]+\.cjs)"\);\nObject\.defineProperty\(exports, "(\w+)", \{ enumerable: true, get: function \(\) \{ return __importDefault\(\1\)\.default; \} \}\);/g;
const zodLocalesOnFirstUse = {
  name: "zod-locales-on-first-use",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.cjs$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, "utf8");
      const locales = [...source.matchAll(LOCALE_EXPORT)].map(([, , file, name]) => ({ file, name }));
      if (locales.length === 0 || locales.length !== source.split("require(").length - 1) return undefined;
      const getters = locales.map(
        ({ file, name }) =>
          `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => ${name === "en" ? 'interop(require("./en.cjs"))' : `installed(${JSON.stringify(file)})`} });`,
      );
      const contents = [
        '"use strict";',
        'Object.defineProperty(exports, "__esModule", { value: true });',
        // What the index's __importDefault(...).default gives: a locale module's function.
        "const interop = (module) => (module && module.__esModule ? module.default : module);",
        // The installed zod's locales, found at run time; the package's name in a variable, so that
        // esbuild leaves require.resolve to node (or jest).
        'const installed = (file) => interop(require(require("node:path").join(require("node:path").dirname(require.resolve(zodPackage)), "v4", "locales", file)));',
        ...getters,
        'var zodPackage = "zod";',
      ];
      return { loader: "js", contents: contents.join("\n") };
    });
  },
};

/** The files besides the caller's that decide what a bundle holds: part of its cache key. */
const BUNDLE_SOURCES = [__filename, ARCHIVER_LEFT_OUT.archiver];

module.exports = { ARCHIVER_LEFT_OUT, BUNDLE_SOURCES, zipWithInstalledFs, zodLocalesOnFirstUse };
