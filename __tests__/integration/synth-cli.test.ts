/**
 * End to end through the real entry point (`node scripts/run-ts.js main.ts`, what `npm run synth`
 * runs) in a throwaway copy of the project: each mistake exits 1 with a message for people (no Node
 * stack trace), and neither cdktf.out nor schema.lock.json is touched.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
  copy = copyProject("synth-cli-", PROJECT_FILES);
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function run(entry: string, env: Record<string, string> = {}, args: string[] = []) {
  const inherited = { ...process.env };
  delete inherited.CDKTF_OUTDIR;
  const result = spawnSync(process.execPath, ["scripts/run-ts.js", entry, ...args], {
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
    "a table still setting applyIndexChanges (now recorded by schema:accept)",
    "config/environments.ts",
    'api_keys: { capacity: { mode: "PROVISIONED",',
    'api_keys: { applyIndexChanges: true, capacity: { mode: "PROVISIONED",',
    "staging.tables.api_keys: applyIndexChanges: no longer set here; `npm run schema:accept` records a pending GSI change or " +
      "switch to PROVISIONED in schema.lock.json (docs/guards.md). Remove it",
  ],
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
    /✘ \[ERROR\] Could not resolve "left-pad-not-installed"[^]*main\.ts:6:7:[^]*main\.ts was not run: fix the error above\./,
  ],
];

const failsWithoutWriting = (_name: string, file: string, from: string, to: string, message: string | RegExp) =>
  withEdit(file, from, to, () => {
    const lockBefore = readFileSync(join(copy, "schema.lock.json"), "utf8");
    const { status, stdout, stderr } = run("main.ts");
    expect(status).toBe(1);
    if (typeof message === "string") {
      // Our messages are wrapped at 120 columns: compare the words.
      expect(stderr.replace(/\s+/g, " ")).toContain(message);
      expect(stderr.split("\n").filter((line) => line.length > 120)).toEqual([]);
    } else {
      // esbuild's own report.
      expect(stderr).toMatch(message);
    }
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

  test("schema:accept refuses a new change while an earlier one is pending; after schema:applied it accepts it", () => {
    // GIVEN a lock with a GSI change pending on staging's api_keys (its first autoscaled table), and a dev PITR window
    // that differs from the code's
    const pending = [
      '"billingMode": "PROVISIONED",\n          "applyIndexChanges": false',
      '"billingMode": "PROVISIONED",\n          "applyIndexChanges": true',
    ];
    const window = ['"pointInTimeRecoveryDays": null', '"pointInTimeRecoveryDays": 3'];
    withEdit("schema.lock.json", pending[0], pending[1], () =>
      withEdit("schema.lock.json", window[0], window[1], () => {
        const lockBefore = readFileSync(join(copy, "schema.lock.json"), "utf8");
        // WHEN accepted THEN refused, naming what to do, the lock untouched
        const accept = run("scripts/schema-accept.ts");
        expect(accept.status).toBe(1);
        expect(accept.stdout).toContain("[review] dev.protection.pointInTimeRecovery: 3 days -> disabled");
        expect(accept.stdout).toContain(
          "[refused] staging.api_keys: the GSI change accepted earlier is still pending in schema.lock.json.",
        );
        expect(accept.stderr).toContain("Not accepted: do what the [refused] changes say first. schema.lock.json is unchanged.");
        expect(readFileSync(join(copy, "schema.lock.json"), "utf8")).toBe(lockBefore);
        // WHEN the deploy is recorded THEN only the flag changes; and then the PITR change is accepted
        const applied = run("scripts/schema-accept.ts", {}, ["--applied"]);
        expect(applied.status).toBe(0);
        expect(applied.stdout).toContain("Applied: staging.api_keys. Terraform ignores their GSIs and capacity again.");
        expect(readFileSync(join(copy, "schema.lock.json"), "utf8")).toBe(lockBefore.replace(pending[1], pending[0]));
        expect(run("scripts/schema-accept.ts").status).toBe(0);
        expect(readFileSync(join(copy, "schema.lock.json"), "utf8")).toContain(window[0]);
      }),
    );
  });

  test("schema:accept does not regenerate an unreadable lock that records a pending change", () => {
    const conflicted = '"billingMode": "PROVISIONED",\n<<<<<<< HEAD\n          "applyIndexChanges": true';
    withEdit("schema.lock.json", '"billingMode": "PROVISIONED",\n          "applyIndexChanges": false', conflicted, () => {
      const lockBefore = readFileSync(join(copy, "schema.lock.json"), "utf8");
      const accept = run("scripts/schema-accept.ts");
      expect(accept.status).toBe(1);
      expect(accept.stderr.replace(/\s+/g, " ")).toContain(
        "It records a change still pending (applyIndexChanges or applyBillingModeSwitch: true), which regenerating would drop",
      );
      expect(readFileSync(join(copy, "schema.lock.json"), "utf8")).toBe(lockBefore);
    });
  });
});

/** Writes an entry point into the copy for the duration of body. */
function withEntry(name: string, source: string, body: () => void) {
  writeFileSync(join(copy, name), source);
  try {
    body();
  } finally {
    rmSync(join(copy, name), { force: true });
  }
}

describe("the bundle cache (scripts/run-ts.js, .build/)", () => {
  const bundle = (entry: string) => join(copy, ".build", `${entry}.js`);
  const builtAt = (entry: string) => statSync(bundle(entry)).mtimeMs;

  test("a second run reuses the bundle; an edit to a file in it rebuilds it; the key covers the package files it holds", () =>
    withEntry("hello.ts", 'import { z } from "zod";\nconsole.log(z.literal("hello").parse("hello"));\n', () => {
      expect(run("hello.ts")).toMatchObject({ status: 0, stdout: "hello\n" });
      const first = builtAt("hello.ts");
      expect(run("hello.ts")).toMatchObject({ status: 0, stdout: "hello\n" });
      expect(builtAt("hello.ts")).toBe(first);
      writeFileSync(join(copy, "hello.ts"), 'import { z } from "zod";\nconsole.log(z.literal("edited").parse("edited"));\n');
      expect(run("hello.ts")).toMatchObject({ status: 0, stdout: "edited\n" });
      expect(builtAt("hello.ts")).toBeGreaterThan(first);
      // The manifest names package files too (their content is part of the key).
      const { inputs } = JSON.parse(readFileSync(join(copy, ".build/hello.ts.json"), "utf8")) as { inputs: string[] };
      expect(inputs).toContain("hello.ts");
      expect(inputs.some((input) => input.includes("node_modules/zod/"))).toBe(true);
    }));

  test("a .build/ that this checkout did not write (committed, or copied from another checkout) is rebuilt, never run", () =>
    withEntry("hello.ts", 'console.log("the source");\n', () => {
      expect(run("hello.ts")).toMatchObject({ status: 0, stdout: "the source\n" });
      // Another checkout's .build/, whose manifest matches these sources but whose bundle says otherwise.
      const other = join(copy, "other-build");
      cpSync(join(copy, ".build"), other, { recursive: true });
      // Same length, same timestamps: only the inode tells it apart.
      writeFileSync(join(other, "hello.ts.js"), 'console.log("THE SOURCE");\n');
      rmSync(join(copy, ".build"), { recursive: true });
      cpSync(other, join(copy, ".build"), { recursive: true, preserveTimestamps: true });
      rmSync(other, { recursive: true });
      expect(run("hello.ts")).toMatchObject({ status: 0, stdout: "the source\n" });
    }));

  test("a project file imported only for its types stays out of the bundle and out of the key", () =>
    withEntry(
      "typed.ts",
      'import type { KeyAttribute } from "./tables/table-definition";\nconst n: KeyAttribute["name"] = "x";\nconsole.log(n);\n',
      () => {
        expect(run("typed.ts")).toMatchObject({ status: 0, stdout: "x\n" });
        const { inputs } = JSON.parse(readFileSync(join(copy, ".build/typed.ts.json"), "utf8")) as { inputs: string[] };
        expect(inputs).toEqual(["typed.ts"]);
      },
    ));
});

test("a table removed from TABLE_DEFINITIONS with its import left unused is bundled and run: the message is about the configuration, not a module", () => {
  const outdir = join(copy, "removed.out");
  try {
    const result = withEdit("tables/index.ts", "webhookEvents, auditLogs]", "webhookEvents]", () =>
      run("main.ts", { CDKTF_OUTDIR: outdir }),
    );
    expect(result.stderr).not.toContain('Could not resolve "./audit-logs"');
    // The bundle was built and ran: the configuration check then names what else to change.
    expect(result.stderr).toContain("dev.tables: unknown table(s) audit_logs");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

test("a TerraformAsset of type ARCHIVE is zipped (by the installed cdktf fs.js, not the bundle), and archiver stays out of the bundle", () => {
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
    const code = readFileSync(join(copy, ".build/archive-asset.ts.js"), "utf8");
    expect(code).not.toMatch(/node_modules\/cdktf\/node_modules\/archiver\//);
  } finally {
    for (const path of [source, outdir]) rmSync(path, { recursive: true, force: true });
  }
});
