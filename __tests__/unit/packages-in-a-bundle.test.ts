/**
 * cdktf and zod as jest runs them: one esbuild bundle of each entry (__tests__/helpers/prebundle-transform.js),
 * with archiver left out, assets zipped by the installed fs.js and zod's locales but en loaded on first
 * use (scripts/packages-in-a-bundle.js, which synth's bundles share).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, AssetType, TerraformAsset, TerraformStack } from "cdktf";
import { z } from "zod";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain-JS jest transform
const transform = require("../helpers/prebundle-transform.js") as { process(source: string, file: string): { code: string } };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS, shared with scripts/run-ts.js
const { localesOnFirstUse, zipWithInstalledFs } = require("../../scripts/packages-in-a-bundle.js") as {
  localesOnFirstUse(source: string, file: string): string | undefined;
  zipWithInstalledFs(code: string): string;
};

const cdktfEntry = join(__dirname, "../../node_modules/cdktf/lib/index.js");

/** What fn returns, and the warnings it printed (console.warn's arguments, per call). */
function withWarnings<T>(fn: () => T): { result: T; warnings: unknown[][] } {
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  try {
    const result = fn();
    return { result, warnings: [...warn.mock.calls] };
  } finally {
    warn.mockRestore();
  }
}
const zipWarning = (commands: number) =>
  `scripts/packages-in-a-bundle.js: the bundle has ${commands} \`node \${__filename}\` commands, not one: a TerraformAsset of type ARCHIVE may not be zipped; see how cdktf's lib/private/fs.js zips now and update zipWithInstalledFs`;

test("GIVEN cdktf's entry WHEN prebundled THEN fs.js is in the bundle, archiver's modules are not, and the token stack-trace module stays a require", () => {
  const { code } = transform.process(readFileSync(cdktfEntry, "utf8"), cdktfEntry);
  // esbuild names each bundled CommonJS module by its path: __commonJS({"<path>"(exports, module) {...}}).
  const modules = [...code.matchAll(/__commonJS\(\{"([^"]+)"\(/g)].map((match) => match[1]);
  expect(modules.filter((path) => /node_modules\/cdktf\/lib\/private\/fs\.js$/.test(path))).toHaveLength(1);
  expect(modules.filter((path) => /node_modules\/cdktf\/node_modules\/(archiver|readable-stream|lodash|zip-stream)\//.test(path))).toEqual(
    [],
  );
  expect(code).toContain('require("./private/stack-trace")');
});

test("GIVEN a TerraformAsset of type ARCHIVE WHEN synthesized under jest THEN it is zipped", () => {
  const source = mkdtempSync(join(tmpdir(), "opsdata-asset-"));
  const outdir = mkdtempSync(join(tmpdir(), "opsdata-asset-out-"));
  try {
    writeFileSync(join(source, "handler.js"), "exports.handler = async () => 'ok';\n");
    const app = new App({ outdir });
    new TerraformAsset(new TerraformStack(app, "assets"), "handler", { path: source, type: AssetType.ARCHIVE });
    app.synth();
    const assets = join(outdir, "stacks/assets/assets/handler");
    const zip = readFileSync(join(assets, readdirSync(assets)[0], "archive.zip"));
    // A zip's local file header: the signature PK\x03\x04, the entry's name at offset 30.
    expect(zip.subarray(0, 4)).toEqual(Buffer.from("PK\x03\x04", "latin1"));
    expect(zip.subarray(30, 40).toString("latin1")).toBe("handler.js");
  } finally {
    for (const directory of [source, outdir]) rmSync(directory, { recursive: true, force: true });
  }
});

test("GIVEN zod under jest THEN its locales but en are getters that load the installed locale on first use, in any language", () => {
  expect(Object.keys(z.locales)).toHaveLength(63);
  expect(String(Object.getOwnPropertyDescriptor(z.locales, "fr")?.get)).toBe('()=>installed("fr.cjs")');
  try {
    z.config(z.locales.fr());
    expect(z.string().safeParse(1).error?.issues[0].message).toBe("Entrée invalide : chaîne de caractères attendu, nombre reçu");
  } finally {
    z.config(z.locales.en());
  }
  expect(z.string().safeParse(1).error?.issues[0].message).toBe("Invalid input: expected string, received number");
});

describe("zipWithInstalledFs", () => {
  const fsModule = '__commonJS({"node_modules/cdktf/lib/private/fs.js"(exports2,module2){';
  const command = '(0,child_process_1.execSync)(`node ${__filename} ${src} ${dest}`,{encoding:"utf-8"})';

  test("GIVEN cdktf's fs.js with its command THEN the command runs the installed fs.js", () => {
    expect(zipWithInstalledFs(`${fsModule}${command}}})`)).toBe(
      `${fsModule}(0,child_process_1.execSync)(\`node \${require("node:path").join(require("node:path").dirname(require.resolve("cdktf")), "private", "fs.js")} \${src} \${dest}\`,{encoding:"utf-8"})}})`,
    );
  });

  test("GIVEN no command (no cdktf, or CDK Terrain's fs.js, which zips in-process) THEN the code is unchanged", () => {
    expect(zipWithInstalledFs("module.exports = 1;")).toBe("module.exports = 1;");
    const cdktn = '__commonJS({"node_modules/cdktn/lib/private/fs.js"(exports2,module2){const fflate_1=require_fflate()}})';
    expect(zipWithInstalledFs(cdktn)).toBe(cdktn);
  });

  test("GIVEN archiver left out but no command (a cdktf that runs its script otherwise) THEN the code is unchanged and a warning says so", () => {
    const code = `__commonJS({"scripts/cdktf-archiver-left-out.js"(exports2,module2){}});${fsModule}(0,child_process_1.execSync)(\`node "\${__filename}" \${src}\`)}})`;
    expect(withWarnings(() => zipWithInstalledFs(code))).toEqual({ result: code, warnings: [[zipWarning(0)]] });
  });

  test("GIVEN the command twice THEN the code is unchanged and a warning names this file", () => {
    const code = `${fsModule}${command};${command}}})`;
    expect(withWarnings(() => zipWithInstalledFs(code))).toEqual({ result: code, warnings: [[zipWarning(2)]] });
  });
});

describe("localesOnFirstUse", () => {
  const indexFile = join(__dirname, "../../node_modules/zod/v4/locales/index.cjs");
  const index = readFileSync(indexFile, "utf8");

  test("GIVEN zod 4.6's locales index THEN en comes from the bundle, the 62 others from the installed zod on first access, and the exports are frozen", () => {
    const lines = localesOnFirstUse(index, indexFile)!.split("\n");
    expect(lines).toHaveLength(69);
    expect(lines.filter((line) => line.includes('installed("'))).toHaveLength(62);
    expect(lines).toContain('Object.defineProperty(exports, "en", { enumerable: true, get: () => interop(require("./en.cjs")) });');
    expect(lines).toContain('Object.defineProperty(exports, "frCA", { enumerable: true, get: () => installed("fr-CA.cjs") });');
    expect(lines.slice(-2)).toEqual(["Object.freeze(exports);", 'var zodPackage = "zod";']);
  });

  test("GIVEN an index holding anything besides its locales THEN it is left as it is, with a warning naming the file and what is left", () => {
    const withExtra = index.replace("// seal-cjs-exports", "exports.extra = 42;\n\n// seal-cjs-exports");
    expect(withWarnings(() => localesOnFirstUse(withExtra, "zod/v4/locales/index.cjs"))).toEqual({
      result: undefined,
      warnings: [
        [
          'scripts/packages-in-a-bundle.js: zod/v4/locales/index.cjs holds more than its locales ("exports.extra = 42;"...): bundled as it is, every locale loaded at start; update zodLocalesOnFirstUse',
        ],
      ],
    });
  });
});
