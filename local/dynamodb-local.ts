/**
 * AWS DynamoDB Local, from the jar the npm package `amplify-dynamodb-simulator` ships (nothing is
 * downloaded). Starts on a free port, in memory or persisted to a folder; `stop()` always ends it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { createServer, connect } from "node:net";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Persist tables to this folder instead of memory. @default in memory */
  readonly dbPath?: string;
  /** @default a free port */
  readonly port?: number;
  /** The Java runtime to run. @default $JAVA_HOME/bin/java if JAVA_HOME is set, else `java` from PATH */
  readonly java?: string;
  /** Give up waiting for the server after this long. @default 30000 */
  readonly startTimeoutMs?: number;
}

export const JAVA_MISSING_MESSAGE =
  "DynamoDB Local needs a Java runtime (17 or later) and `java` is not on PATH. " +
  "Install one, e.g. on Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`.";

function assertJavaAvailable(java: string): void {
  const result = spawnSync(java, ["-version"], { stdio: "ignore" });
  if (result.error || result.status !== 0) throw new Error(`${JAVA_MISSING_MESSAGE} (tried: ${java})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepting(port: number): Promise<boolean> {
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

export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  const java = options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java");
  assertJavaAvailable(java);
  const emulator = join(dirname(require.resolve("amplify-dynamodb-simulator/package.json")), "emulator");
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"];
  const child = spawn(
    java,
    [
      `-Djava.library.path=${join(emulator, "DynamoDBLocal_lib")}`,
      "-jar",
      join(emulator, "DynamoDBLocal.jar"),
      ...storage,
      "-port",
      String(port),
      "-sharedDb",
      "-disableTelemetry",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited(child);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await accepting(port))) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`DynamoDB Local did not listen on port ${port} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, stop };
}
