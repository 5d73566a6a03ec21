/**
 * `npm run local`: brings up an environment's tables and prints the example's command; a signal
 * (Ctrl-C here: SIGINT to its whole process group, as a terminal sends it; SIGTERM has the same
 * handler) stops DynamoDB Local too; with --persist, missing
 * tables are created and schema drift reported. One run, to keep the suite quick, on a copy of a
 * committed database (fixtures/persisted-dynamodb-local, written by support/make-persisted-fixture.ts).
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { isAlive as alive } from "../../local/process-alive";

const root = join(__dirname, "../..");
// Synth plus a DynamoDB Local start in child processes: slow on a loaded machine.
jest.setTimeout(150_000);
const started = new Set<ChildProcessByStdio<null, Readable, Readable>>();
// Whatever happens in a test, no `npm run local` outlives it (its java follows it: see local/dynamodb-local.ts).
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});
const credentials = { accessKeyId: "other", secretAccessKey: "terminal" };

/** Starts `npm run local` with these arguments; resolves once it has printed "Ctrl-C to stop.". */
async function runLocal(args: string[]) {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ["scripts/run-ts.js", "scripts/local.ts", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so the test can signal the group the way a terminal's Ctrl-C does.
    detached: true,
  });
  started.add(child);
  let output = "";
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Ctrl-C to stop.")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`npm run local exited with ${code}:\n${output}`)));
  });
  const endpoint = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1];
  const javaPid = Number(/java pid (\d+)/.exec(output)![1]);
  return { child, exited, endpoint, javaPid, output: () => output };
}

/**
 * The JVM's class data archive (local/class-data-archive.ts), in either state the cache can be in:
 * this run's suite DynamoDB Local (support/global-setup.ts) started first, so on a fresh install it
 * is the one writing the archive and this JVM runs from the same class path without one; once an
 * archive is kept, this JVM maps it, which the JVM only does when the class path is the one the
 * archive was written with (a JVM that rejects it unmaps it and carries on slower).
 */
function expectClassDataShared(javaArguments: string[], javaMappings: string): void {
  const classPath = javaArguments[javaArguments.indexOf("-cp") + 1];
  expect(classPath).toMatch(/\/node_modules\/\.cache\/dynamodb-local\/[0-9a-f]{16}\/DynamoDBLocal\.jar:/);
  const archive = join(classPath.split(":")[0], "../classes.jsa");
  const shared = javaArguments.find((argument) => argument.startsWith("-XX:SharedArchiveFile="));
  if (shared) {
    expect(shared).toBe(`-XX:SharedArchiveFile=${archive}`);
    expect(javaMappings).toContain(` ${archive}\n`);
  } else {
    expect(javaArguments.filter((argument) => argument.includes("Archive"))).toEqual([]);
    expect(readdirSync(join(archive, "..")).filter((file) => /^classes\.jsa\.\d+-\d+\.new$/.test(file))).toHaveLength(1);
  }
}

test("GIVEN a persisted database with one outdated table WHEN started with --env staging --persist THEN the rest are created, the drift reported, the example's command printed; Ctrl-C leaves no java and the JVM's class data archive shared", async () => {
  const dbPath = mkdtempSync(join(tmpdir(), "opsdata-persist-"));
  try {
    // An earlier run's database: api_keys without the GSI the definition has now, nothing else.
    copyFileSync(
      join(root, "__tests__/fixtures/persisted-dynamodb-local/shared-local-instance.db"),
      join(dbPath, "shared-local-instance.db"),
    );

    const local = await runLocal(["--env", "staging", "--persist", dbPath]);
    const javaArguments = readFileSync(`/proc/${local.javaPid}/cmdline`, "utf8").split("\0");
    const javaMappings = readFileSync(`/proc/${local.javaPid}/maps`, "utf8");
    try {
      const client = new DynamoDBClient({ endpoint: local.endpoint, region: "eu-west-1", credentials });
      const { TableNames } = await client.send(new ListTablesCommand({}));
      client.destroy();
      expect(TableNames).toEqual([
        "opsdata_staging_api_keys",
        "opsdata_staging_audit_logs",
        "opsdata_staging_idempotency_keys",
        "opsdata_staging_webhook_events",
      ]);
    } finally {
      process.kill(-local.child.pid!, "SIGINT");
    }
    expect(await local.exited).toBe(0);
    expect(alive(local.javaPid)).toBe(false);
    expectClassDataShared(javaArguments, javaMappings);
    const output = local.output();
    expect(output).toContain("created opsdata_staging_audit_logs, opsdata_staging_idempotency_keys, opsdata_staging_webhook_events\n");
    expect(output).toContain(`already in ${dbPath}: opsdata_staging_api_keys\n`);
    expect(output).toContain(
      'schema mismatch: opsdata_staging_api_keys: attribute types is "api_key_hash:S", the definition says "account_id:S, api_key_hash:S, created_at:S"\n',
    );
    expect(output).toContain('schema mismatch: opsdata_staging_api_keys: GSIs is "", the definition says "account_id-created_at-index"\n');
    expect(output).toContain(
      `  OPSDATA_ENDPOINT=${local.endpoint} OPSDATA_TABLE_PREFIX=opsdata_staging_ AWS_REGION=eu-west-1 node scripts/run-ts.js examples/access-patterns.ts\n`,
    );
  } finally {
    rmSync(dbPath, { recursive: true, force: true });
  }
});

test("GIVEN a process running DynamoDB Local WHEN it is killed with SIGKILL (no handler can run) THEN the watchdog stops its java (a stand-in: support/fake-java.js)", async () => {
  const holder = spawn(process.execPath, ["scripts/run-ts.js", "__tests__/integration/support/hold-dynamodb-local.ts"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(holder);
  const javaPid = await new Promise<number>((resolve, reject) => {
    let output = "";
    holder.stdout.on("data", (chunk) => {
      output += chunk;
      const found = /java pid (\d+)/.exec(output);
      if (found) resolve(Number(found[1]));
    });
    holder.once("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  expect(alive(javaPid)).toBe(true);
  holder.kill("SIGKILL");
  const deadline = Date.now() + 20_000;
  while (alive(javaPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(alive(javaPid)).toBe(false);
});
