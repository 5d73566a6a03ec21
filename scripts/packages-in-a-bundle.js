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
 * as it is; code with archiver left out but not exactly one command gets a warning naming this
 * file, as its assets may not be zipped.
 */
function zipWithInstalledFs(code) {
  const fsModule = FS_MODULE.exec(code);
  const commands = code.split(RUNS_ITSELF).length - 1;
  // Without the command and without archiver (CDK Terrain 0.24), fs.js zips in-process.
  if (fsModule === null || (commands === 0 && !code.includes(path.basename(ARCHIVER_LEFT_OUT.archiver)))) return code;
  if (commands !== 1) {
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
 * synth) and ~20 ms of CPU less per jest test file. Only the zod the project resolves is changed,
 * and only an index holding nothing but its locales (as zod 4.6's does); another is bundled as it
 * is, with a warning.
 */
const LOCALE_EXPORT =
  /var (\w+) = require\("\.\/([\w-]+\.cjs)"\);\nObject\.defineProperty\(exports, "(\w+)", \{ enumerable: true, get: function \(\) \{ return __importDefault\(\1\)\.default; \} \}\);/g;
/** What else zod 4.6's index holds: its prologue, and a block that freezes the exports. */
const INDEX_FRAME = [
  /^"use strict";$/m,
  /^var __importDefault = [^]*?\n\};$/m,
  /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/m,
  /^exports\.[\w.= ]+ = void 0;$/gm,
  /\/\/ seal-cjs-exports\n\(function \(\) \{[^]*\n\}\)\(\);\s*$/,
];
/** The zod the project resolves (undefined: none). */
function projectZod() {
  try {
    return path.dirname(require.resolve("zod"));
  } catch {
    return undefined;
  }
}
/**
 * zod's locales index (its source, at `file`) as one that loads locales but en on first access;
 * undefined, with a warning, for an index that holds anything else.
 */
function localesOnFirstUse(source, file) {
  const locales = [...source.matchAll(LOCALE_EXPORT)].map(([, , module, name]) => ({ module, name }));
  const rest = INDEX_FRAME.reduce((left, part) => left.replace(part, ""), source.replace(LOCALE_EXPORT, "")).trim();
  if (locales.length === 0 || rest !== "") {
    console.warn(
      `scripts/packages-in-a-bundle.js: ${file} holds more than its locales (${JSON.stringify(rest.slice(0, 60))}...): ` +
        "bundled as it is, every locale loaded at start; update zodLocalesOnFirstUse",
    );
    return undefined;
  }
  const getter = ({ module, name }) => (name === "en" ? `interop(require("./${module}"))` : `installed(${JSON.stringify(module)})`);
  return [
    '"use strict";',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    // What the index's __importDefault(...).default gives: a locale module's function.
    "const interop = (module) => (module && module.__esModule ? module.default : module);",
    // The project's zod's locales, found at run time; the package's name in a variable, so that
    // esbuild leaves require.resolve to node (or jest).
    'const installed = (file) => interop(require(require("node:path").join(require("node:path").dirname(require.resolve(zodPackage)), "v4", "locales", file)));',
    ...locales.map(
      (locale) => `Object.defineProperty(exports, ${JSON.stringify(locale.name)}, { enumerable: true, get: () => ${getter(locale)} });`,
    ),
    // As zod's own index ends: frozen (which calls no getter).
    "Object.freeze(exports);",
    'var zodPackage = "zod";',
  ].join("\n");
}

const zodLocalesOnFirstUse = {
  name: "zod-locales-on-first-use",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.cjs$/ }, async (args) => {
      if (path.resolve(args.path, "../../..") !== projectZod()) return undefined;
      const contents = localesOnFirstUse(await fs.promises.readFile(args.path, "utf8"), args.path);
      return contents === undefined ? undefined : { loader: "js", contents };
    });
  },
};

/** esbuild options for a bundle of packages; its output then goes through zipWithInstalledFs. */
const PACKAGE_OPTIONS = { alias: ARCHIVER_LEFT_OUT, plugins: [zodLocalesOnFirstUse] };

/** The files besides the caller's that decide what a bundle holds: part of its cache key. */
const BUNDLE_SOURCES = [__filename, ARCHIVER_LEFT_OUT.archiver];

module.exports = { BUNDLE_SOURCES, PACKAGE_OPTIONS, localesOnFirstUse, zipWithInstalledFs };
