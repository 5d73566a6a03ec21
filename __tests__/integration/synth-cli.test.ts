/**
 * End to end through the real entry point (`node scripts/run-ts.js main.ts`, what `npm run synth`
 * runs) in a throwaway copy of the project: each mistake exits 1 with a message for people (no Node
 * stack trace), and neither cdktf.out nor schema.lock.json is touched.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  lstatSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { copyProject } from "./support/project-copy";

const PROJECT_FILES = [
  "main.ts",
  "config",
  "tables",
  "stacks",
  "guards",
  // main.ts warns about what the cost usage files do not describe
  "cost",
  "scripts",
  "package.json",
  "package-lock.json",
  "schema.lock.json",
];
let copy: string;

beforeAll(() => {
  // The cached bundles come along: run-ts.js only rebuilds when a case edits a source.
  copy = copyProject("synth-cli-", PROJECT_FILES);
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function run(entry: string, env: Record<string, string> = {}) {
  const inherited = { ...process.env };
  delete inherited.CDKTF_OUTDIR;
  const result = spawnSync(process.execPath, ["scripts/run-ts.js", entry], {
    cwd: copy,
    env: { ...inherited, CHECKPOINT_DISABLE: "1", ...env },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Replaces `from` by `to` in one file of the copy for the duration of `body`. */
function withEdit<T>(file: string, from: string, to: string, body: () => T): T {
  const path = join(copy, file);
  const original = readFileSync(path, "utf8");
  if (!original.includes(from)) throw new Error(`${file} does not contain ${from}`);
  writeFileSync(path, original.replace(from, to));
  try {
    return body();
  } finally {
    writeFileSync(path, original);
  }
}

const STAGING_ACCOUNT = 'aws: { accountId: "222222222222", region: "eu-west-1" },';

type Case = [name: string, file: string, from: string, to: string, message: string | RegExp];

const LOCK_CASES: Case[] = [
  ["a schema.lock.json that is not JSON", "schema.lock.json", '"version": 2,', '"version": 2,,', "schema.lock.json: is not valid JSON ("],
  [
    "a schema.lock.json from a newer version",
    "schema.lock.json",
    '"version": 2,',
    '"version": 7,',
    "schema.lock.json: is version 7, written by a newer opsdata-infra than this one (which reads versions 1-2)",
  ],
];

const SOURCE_CASES: Case[] = [
  [
    "a region that does not exist",
    "config/environments.ts",
    STAGING_ACCOUNT,
    'aws: { accountId: "222222222222", region: "eu-wset-1" },',
    'staging.aws.region: "eu-wset-1" is not an AWS region (did you mean "eu-west-1"?)',
  ],
  [
    "a syntax error in the config shows the compiler's message and location",
    "config/environments.ts",
    'name: "staging",',
    'name: "staging"',
    /✘ \[ERROR\] Expected "}" but found "aws"\n\n\s+config\/environments\.ts:\d+:\d+:\n\s+\d+ │ +aws: \{ accountId: "222222222222"[^\n]*\n[^]*main\.ts was not run: fix the error above\./,
  ],
  [
    "a stream view type changed in place",
    "tables/audit-logs.ts",
    'stream: "NEW_IMAGE",',
    'stream: "KEYS_ONLY",',
    "[unsafe] dev.audit_logs.stream: NEW_IMAGE -> KEYS_ONLY: DynamoDB cannot change a stream's view type in place",
  ],
  [
    "an import of a package that is not installed names the file and line",
    "main.ts",
    'import { synthesize } from "./stacks/app";',
    'import { synthesize } from "./stacks/app";\nimport "left-pad-not-installed";',
    /✘ \[ERROR\] Could not resolve "left-pad-not-installed": it is not installed \(npm install it, or fix the import\)[^]*main\.ts:6:7:[^]*main\.ts was not run: fix the error above\./,
  ],
];

const failsWithoutWriting = (_name: string, file: string, from: string, to: string, message: string | RegExp) =>
  withEdit(file, from, to, () => {
    const lockBefore = readFileSync(join(copy, "schema.lock.json"), "utf8");
    const { status, stdout, stderr } = run("main.ts");
    expect(status).toBe(1);
    if (typeof message === "string") expect(stderr).toContain(message);
    else expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    expect(stdout).not.toContain("synthesized");
    expect(existsSync(join(copy, "cdktf.out"))).toBe(false);
    expect(readFileSync(join(copy, "schema.lock.json"), "utf8")).toBe(lockBefore);
  });

// Cases that edit no source first, so they share one bundle.
describe("npm run synth (node scripts/run-ts.js main.ts)", () => {
  test.each(LOCK_CASES)("%s: exit 1, the message, no stack trace, nothing written", failsWithoutWriting);

  test("an empty CDKTF_OUTDIR synthesizes into the default cdktf.out", () => {
    try {
      const { status, stdout } = run("main.ts", { CDKTF_OUTDIR: "" });
      expect(status).toBe(0);
      expect(stdout).toContain("synthesized dynamodb-prod -> cdktf.out/stacks/dynamodb-prod/cdk.tf.json");
      expect(existsSync(join(copy, "cdktf.out/stacks/dynamodb-prod/cdk.tf.json"))).toBe(true);
    } finally {
      rmSync(join(copy, "cdktf.out"), { recursive: true, force: true });
    }
  });

  test.each(SOURCE_CASES)("%s: exit 1, the message, no stack trace, nothing written", failsWithoutWriting);

  test("a source edit, after npm ci of an unchanged lockfile, rebuilds the project bundle only: the vendor bundles (cdktf, the provider, zod) stay as they are", () => {
    const vendorBundles = () =>
      readdirSync(join(copy, ".build/vendor"))
        .filter((file) => file.endsWith(".js"))
        .map((file) => [file, statSync(join(copy, ".build/vendor", file)).mtimeMs]);
    const projectBundle = join(copy, ".build/project/main.ts.js");
    const [vendorBefore, projectBefore] = [vendorBundles(), statSync(projectBundle).mtimeMs];
    const outdir = join(copy, "edited.out");
    // What npm ci of an unchanged package-lock.json leaves: the same installed tree, its hidden
    // lockfile written again (touched here, and put back after: it is this checkout's install).
    const hiddenLockfile = join(copy, "node_modules/.package-lock.json");
    const installedAt = statSync(hiddenLockfile);
    utimesSync(hiddenLockfile, new Date(), new Date());
    try {
      const { status } = withEdit("config/environments.ts", STAGING_ACCOUNT, `${STAGING_ACCOUNT} // edited`, () =>
        run("main.ts", { CDKTF_OUTDIR: outdir }),
      );
      expect(status).toBe(0);
      expect(statSync(projectBundle).mtimeMs).toBeGreaterThan(projectBefore);
      expect(vendorBefore.length).toBeGreaterThan(0);
      expect(vendorBundles()).toEqual(vendorBefore);
    } finally {
      utimesSync(hiddenLockfile, installedAt.atime, installedAt.mtime);
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("schema:accept refuses a leftover applyIndexChanges: exit 1, the lock untouched", () => {
    const lockBefore = readFileSync(join(copy, "schema.lock.json"), "utf8");
    // The first autoscaled api_keys in config/environments.ts is staging's.
    const autoscaledApiKeys = 'api_keys: { capacity: { mode: "PROVISIONED",';
    const result = withEdit(
      "config/environments.ts",
      autoscaledApiKeys,
      `api_keys: { applyIndexChanges: true, capacity: { mode: "PROVISIONED",`,
      () => run("scripts/schema-accept.ts"),
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("[refused] staging.api_keys.applyIndexChanges: set, but no GSI is added or removed");
    expect(result.stderr).toContain("Not accepted: Terraform would skip or fail on the [refused] changes. schema.lock.json is unchanged.");
    expect(readFileSync(join(copy, "schema.lock.json"), "utf8")).toBe(lockBefore);
  });
});

/**
 * Runs body with a vendor folder of the copy's own (its usual one, a link to this checkout's or not
 * there yet, is put aside and back), so what the run builds there is all there is.
 */
function withOwnVendorFolder(body: (vendor: string) => void) {
  const vendor = join(copy, ".build/vendor");
  const usual = join(copy, ".build/vendor-usual");
  if (lstatSync(vendor, { throwIfNoEntry: false })) renameSync(vendor, usual);
  mkdirSync(vendor, { recursive: true });
  try {
    body(vendor);
  } finally {
    rmSync(vendor, { recursive: true, force: true });
    if (lstatSync(usual, { throwIfNoEntry: false })) renameSync(usual, vendor);
  }
}

/** Writes an entry point into the copy for the duration of body. */
function withEntry(name: string, source: string, body: () => void) {
  writeFileSync(join(copy, name), source);
  try {
    body();
  } finally {
    rmSync(join(copy, name), { force: true });
  }
}

// An entry with one small package: what is built, cached and removed is the same for main.ts, in less time.
const zodOnly = (word: string) => `import { z } from "zod";\nconsole.log(z.literal("${word}").parse("${word}"));\n`;

test("a dependency change builds a new vendor bundle and removes other installs' old ones, but the latest, anything from the last ten minutes and no partial file", () =>
  withOwnVendorFolder((vendor) => {
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    const planted: [file: string, writtenAt: Date][] = [
      ["aaaaaaaaaaaaaaaa-1111111111111111.js", hoursAgo(2)],
      ["aaaaaaaaaaaaaaaa-1111111111111111.js.999.partial", hoursAgo(2)],
      ["bbbbbbbbbbbbbbbb-1111111111111111.js", hoursAgo(3)],
      ["bbbbbbbbbbbbbbbb-1111111111111111.js.v8cache", hoursAgo(3)],
      ["cccccccccccccccc-1111111111111111.js", new Date(Date.now() - 60_000)],
      ["6ec6aa4a8aaa344a.js", hoursAgo(3)],
    ];
    for (const [file, writtenAt] of planted) {
      writeFileSync(join(vendor, file), "");
      utimesSync(join(vendor, file), writtenAt, writtenAt);
    }
    withEntry("zod-only.ts", zodOnly("parsed"), () => {
      expect(run("zod-only.ts")).toMatchObject({ status: 0, stdout: "parsed\n" });
      const built = readdirSync(vendor).filter((file) => !file.startsWith("aaaa") && !file.startsWith("cccc"));
      expect(built).toHaveLength(1);
      expect(built[0]).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}\.js$/);
      expect(readdirSync(vendor).sort()).toEqual(
        ["aaaaaaaaaaaaaaaa-1111111111111111.js", built[0], "cccccccccccccccc-1111111111111111.js"].sort(),
      );
      // The run that built it writes no code cache (often the only run, in CI or Atlantis); the next one does.
      expect(run("zod-only.ts")).toMatchObject({ status: 0, stdout: "parsed\n" });
      expect(readdirSync(vendor).sort()).toEqual(
        ["aaaaaaaaaaaaaaaa-1111111111111111.js", built[0], `${built[0]}.v8cache`, "cccccccccccccccc-1111111111111111.js"].sort(),
      );
    });
  }));

test("a code cache made for an earlier bundle of the same length (left by a run that loaded it while another rebuilt it) is not used: the new code runs", () =>
  withOwnVendorFolder(() => {
    const cache = join(copy, ".build/project/zod-only.ts.js.v8cache");
    withEntry("zod-only.ts", zodOnly("before"), () => {
      run("zod-only.ts");
      expect(run("zod-only.ts")).toMatchObject({ status: 0, stdout: "before\n" });
    });
    const earlierBundlesCache = readFileSync(cache);
    withEntry("zod-only.ts", zodOnly("after!"), () => {
      expect(run("zod-only.ts")).toMatchObject({ status: 0, stdout: "after!\n" });
      writeFileSync(cache, earlierBundlesCache);
      expect(run("zod-only.ts")).toMatchObject({ status: 0, stdout: "after!\n" });
    });
  }));

test("zod's locales but en stay out of the bundle and load on first use from the installed zod", () =>
  withOwnVendorFolder((vendor) => {
    const entry = `import { z } from "zod";
const loadedLocales = () => Object.keys(require.cache).filter((file) => /zod[\\\\/]v4[\\\\/]locales[\\\\/]/.test(file)).length;
console.log(Object.keys(z.locales).length, loadedLocales());
z.config(z.locales.fr());
console.log(loadedLocales());
console.log(z.string().safeParse(1).error?.issues[0].message);
z.config(z.locales.en());
console.log(z.string().safeParse(1).error?.issues[0].message);
`;
    withEntry("zod-locales.ts", entry, () =>
      expect(run("zod-locales.ts")).toMatchObject({
        status: 0,
        stdout: "63 0\n1\nEntrée invalide : chaîne de caractères attendu, nombre reçu\nInvalid input: expected string, received number\n",
      }),
    );
    const [bundle] = readdirSync(vendor).filter((file) => file.endsWith(".js"));
    const locales = [...readFileSync(join(vendor, bundle), "utf8").matchAll(/node_modules\/zod\/v4\/locales\/([\w-]+)\.cjs"/g)].map(
      (match) => match[1],
    );
    expect(locales.sort()).toEqual(["en", "index"]);
  }));

test("a TerraformAsset of type ARCHIVE is zipped (by the installed cdktf fs.js, not the bundle), and archiver stays out of the bundle", () =>
  withOwnVendorFolder((vendor) => {
    const source = join(copy, "asset-source");
    const outdir = join(copy, "archive.out");
    mkdirSync(source);
    writeFileSync(join(source, "handler.js"), "exports.handler = async () => 'ok';\n");
    const entry = `import { App, AssetType, TerraformAsset, TerraformStack } from "cdktf";
const app = new App();
new TerraformAsset(new TerraformStack(app, "assets"), "handler", { path: ${JSON.stringify(source)}, type: AssetType.ARCHIVE });
app.synth();
`;
    try {
      withEntry("archive-asset.ts", entry, () =>
        expect(run("archive-asset.ts", { CDKTF_OUTDIR: outdir })).toMatchObject({ status: 0, stderr: "" }),
      );
      const assets = join(outdir, "stacks/assets/assets/handler");
      const [hash] = readdirSync(assets);
      const zip = readFileSync(join(assets, hash, "archive.zip"));
      // A zip's local file header: the signature PK\x03\x04, the entry's name at offset 30.
      expect(zip.subarray(0, 4)).toEqual(Buffer.from("PK\x03\x04", "latin1"));
      expect(zip.subarray(30, 40).toString("latin1")).toBe("handler.js");
      // The one bundle the run built: cdktf's fs.js is in it, archiver's modules are not.
      const [bundle, ...others] = readdirSync(vendor).filter((file) => file.endsWith(".js"));
      expect(others).toEqual([]);
      const code = readFileSync(join(vendor, bundle), "utf8");
      expect(code).toMatch(/node_modules\/cdktf\/lib\/private\/fs\.js"/);
      expect(code).not.toMatch(/node_modules\/cdktf\/node_modules\/archiver\//);
    } finally {
      for (const path of [source, outdir]) rmSync(path, { recursive: true, force: true });
    }
  }));
