/**
 * `npm run local`: brings up an environment's tables and prints the example's command; any signal
 * (SIGINT to its process group as a terminal's Ctrl-C, SIGTERM or SIGHUP to npm or to node) stops
 * DynamoDB Local too and removes its scratch folder; with --persist, missing tables are created and
 * schema drift reported (on a copy of a committed database, fixtures/persisted-dynamodb-local,
 * written by support/make-persisted-fixture.ts); a taken --port is an error. Run in the suite's copy
 * of the checkout (support/project-copy.ts).
 */
import { spawn, spawnSync, type ChildProcessByStdio } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { freePort } from "../../local/dynamodb-local";
import { isAlive as alive } from "../../local/process-alive";
import { sharedCheckout } from "./support/project-copy";
import { joinedLines, unwrappedLines } from "../helpers/output-width";

const root = join(__dirname, "../..");
// Synth plus a DynamoDB Local start in child processes: slow on a loaded machine.
jest.setTimeout(150_000);
const started = new Set<ChildProcessByStdio<null, Readable, Readable>>();
// Whatever happens in a test, no `npm run local` outlives it (its java follows it: see local/dynamodb-local.ts).
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});
const credentials = { accessKeyId: "other", secretAccessKey: "terminal" };

/** How the test starts it: `npm run local` (npm, sh, node), or node itself. */
const COMMANDS = {
  npm: (args: string[]) => ["npm", ["run", "--silent", "local", "--", ...args]] as const,
  node: (args: string[]) => [process.execPath, ["scripts/run-ts.js", "scripts/local.ts", ...args]] as const,
};

/** Starts it with these arguments (and environment); resolves once it has printed "Ctrl-C to stop.". */
async function runLocal(args: string[], { via = "node", env = {} }: { via?: keyof typeof COMMANDS; env?: Record<string, string> } = {}) {
  const [command, commandArgs] = COMMANDS[via](args);
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(command, commandArgs, {
    cwd: sharedCheckout(),
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
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

test("GIVEN a persisted database with one outdated table WHEN started with --env staging --persist THEN the rest are created, the drift reported, the example's command printed; Ctrl-C leaves no java", async () => {
  const dbPath = mkdtempSync(join(tmpdir(), "opsdata-persist-"));
  try {
    // An earlier run's database: api_keys without the GSI the definition has now, nothing else.
    copyFileSync(
      join(root, "__tests__/fixtures/persisted-dynamodb-local/shared-local-instance.db"),
      join(dbPath, "shared-local-instance.db"),
    );

    const local = await runLocal(["--env", "staging", "--persist", dbPath]);
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
    const output = local.output();
    expect(unwrappedLines(output)).toEqual([]);
    // Messages wrap at 120 columns: joined again for the phrases below.
    const joined = joinedLines(output);
    expect(joined).toContain("created opsdata_staging_audit_logs, opsdata_staging_idempotency_keys, opsdata_staging_webhook_events\n");
    expect(joined).toContain(`already in ${dbPath}: opsdata_staging_api_keys\n`);
    expect(joined).toContain(
      'schema mismatch: opsdata_staging_api_keys: attribute types is "api_key_hash:S", the definition says "account_id:S, api_key_hash:S, created_at:S"\n',
    );
    expect(joined).toContain('schema mismatch: opsdata_staging_api_keys: GSIs is "", the definition says "account_id-created_at-index"\n');
    expect(output).toContain(
      `  OPSDATA_ENDPOINT=${local.endpoint} OPSDATA_TABLE_PREFIX=opsdata_staging_ AWS_REGION=eu-west-1 \\\n` +
        "    node scripts/run-ts.js examples/access-patterns.ts\n",
    );
  } finally {
    rmSync(dbPath, { recursive: true, force: true });
  }
});

test("GIVEN a process running DynamoDB Local WHEN it is killed with SIGKILL (no handler can run) THEN the watchdog stops its java (a stand-in: support/fake-java.js)", async () => {
  const holder = spawn(process.execPath, ["scripts/run-ts.js", "__tests__/integration/support/hold-dynamodb-local.ts"], {
    cwd: sharedCheckout(),
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

/** Waits until `done` holds, for up to 20 s (a stop waits for java, which may be slow on a loaded machine). */
async function eventually(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** The pids of node processes running scripts/local.ts in the suite's copy of the checkout. */
function localScripts(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("scripts/local.ts") && readlinkSync(`/proc/${pid}/cwd`) === sharedCheckout()
        );
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe.each([
  ["npm", "SIGTERM"],
  ["npm", "SIGHUP"],
  ["node", "SIGHUP"],
] as const)("GIVEN npm run local started with %s WHEN that process gets %s", (via, signal) => {
  test("THEN DynamoDB Local and node stop, the scratch folder is removed, and nothing is printed on stderr", async () => {
    const scratchParent = mkdtempSync(join(tmpdir(), "opsdata-local-tmp-"));
    const scratchFolders = () => readdirSync(scratchParent).filter((name) => name.startsWith("dynamodb-local-"));
    try {
      const local = await runLocal([], { via, env: { TMPDIR: scratchParent } });
      expect(scratchFolders()).toHaveLength(1);
      local.child.kill(signal);
      await eventually(() => !alive(local.javaPid) && localScripts().length === 0 && scratchFolders().length === 0);
      expect(alive(local.javaPid)).toBe(false);
      expect(localScripts()).toEqual([]);
      expect(scratchFolders()).toEqual([]);
      await local.exited;
      expect(local.output()).not.toMatch(/Error|\n\s+at /);
    } finally {
      rmSync(scratchParent, { recursive: true, force: true });
    }
  });
});

describe("GIVEN --port names a port something else listens on", () => {
  let server: Server;
  let port: number;
  let received = "";
  beforeAll(async () => {
    port = await freePort();
    server = createServer((socket) => socket.on("data", (chunk) => (received += chunk)));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("WHEN npm run local starts THEN it exits 1 saying the port is taken and what to do, without a stack trace, having sent nothing there", async () => {
    const child = spawn(process.execPath, ["scripts/run-ts.js", "scripts/local.ts", "--port", String(port)], {
      cwd: sharedCheckout(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const status = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(status).toBe(1);
    expect(stderr).toBe(
      `Port ${port} is already in use on 127.0.0.1, so DynamoDB Local was not started.\n` +
        `Stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it) or choose another port with --port.\n`,
    );
    expect(stdout).toBe("");
    expect(received).toBe("");
  });

  test("WHEN --port is not a port number THEN it exits 1 naming --port", async () => {
    const result = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/local.ts", "--port", "80x"], {
      cwd: sharedCheckout(),
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("--port 80x: give a port number from 1 to 65535, or leave --port out for a free one.\n");
  });
});
