/**
 * DynamoDB Local's class data archive through the watchdog (local/dynamodb-local.ts): the first
 * start asks the JVM to write one at exit and keeps it only when java stopped cleanly; later starts
 * use it. A stand-in java (support/fake-java.js) writes the "archive"; npm-run-local.test.ts checks
 * a real JVM maps the real one.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDynamoDbLocal } from "../../local/dynamodb-local";

const fakeJava = join(__dirname, "support/fake-java.js");
let cache: string;
beforeEach(() => (cache = mkdtempSync(join(tmpdir(), "opsdata-class-data-"))));
afterEach(() => rmSync(cache, { recursive: true, force: true }));

/** java's arguments, as the running process sees them. */
const argumentsOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
/** The one folder (per jar and Java runtime) in the cache, and its files. */
function cached(): { folder: string; files: string[] } {
  const [key, ...others] = readdirSync(cache);
  expect(others).toEqual([]);
  return { folder: join(cache, key), files: readdirSync(join(cache, key)).sort() };
}

test("GIVEN no archive WHEN DynamoDB Local starts and stops THEN java was asked to write one, it is kept, and the next start shares it", async () => {
  const first = await startDynamoDbLocal({ java: fakeJava, classDataCache: cache });
  const { folder } = cached();
  const firstArguments = argumentsOf(first.pid);
  expect(first.classDataArchive).toEqual({ path: join(folder, "classes.jsa"), writtenAtStop: true });
  await first.stop();

  const asked = firstArguments.find((argument) => argument.startsWith("-XX:ArchiveClassesAtExit="));
  expect(asked).toMatch(new RegExp(`^-XX:ArchiveClassesAtExit=${folder}/classes\\.jsa\\.\\d+-\\d+\\.new$`));
  // The copy of the jar without its manifest's class path, then that class path's jars, then the main class.
  const classPath = firstArguments[firstArguments.indexOf("-cp") + 1].split(":");
  expect(classPath[0]).toBe(join(folder, "DynamoDBLocal.jar"));
  expect(classPath[1]).toMatch(/\/DynamoDBLocal_lib\/Apache-HttpComponents-HttpClient-4\.5\.x\.jar$/);
  expect(classPath.every((entry) => entry.endsWith(".jar"))).toBe(true);
  expect(firstArguments[firstArguments.indexOf("-cp") + 2]).toBe("software.amazon.dynamodb.services.local.main.ServerRunner");
  expect(cached().files).toEqual(["DynamoDBLocal.jar", "classes.jsa", "launch.json"]);
  expect(readFileSync(join(folder, "classes.jsa"), "utf8")).toBe("classes archived at exit");

  const second = await startDynamoDbLocal({ java: fakeJava, classDataCache: cache });
  const secondArguments = argumentsOf(second.pid);
  expect(second.classDataArchive).toEqual({ path: join(folder, "classes.jsa"), writtenAtStop: false });
  await second.stop();
  expect(secondArguments).toContain(`-XX:SharedArchiveFile=${folder}/classes.jsa`);
  expect(secondArguments.filter((argument) => argument.startsWith("-XX:ArchiveClassesAtExit"))).toEqual([]);
});

/** A stand-in java run with these environment variables (see support/fake-java.js). */
function fakeJavaWith(variables: string): string {
  const java = join(mkdtempSync(join(tmpdir(), "opsdata-fake-java-")), "java");
  fakeJavaFolders.push(join(java, ".."));
  writeFileSync(java, `#!/bin/sh\n${variables} exec "${process.execPath}" "${fakeJava}" "$@"\n`, { mode: 0o755 });
  return java;
}
const fakeJavaFolders: string[] = [];
afterAll(() => fakeJavaFolders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

test("GIVEN no archive WHEN java does not stop cleanly THEN what it wrote is removed and no archive is kept", async () => {
  const dynamodb = await startDynamoDbLocal({ java: fakeJavaWith("FAKE_JAVA_EXIT_STATUS=1"), classDataCache: cache });
  await dynamodb.stop();
  expect(cached().files).toEqual(["DynamoDBLocal.jar", "launch.json"]);
});

test("GIVEN no archive WHEN java never listens (the start fails) THEN what it wrote at exit is not kept: it loaded too few classes", async () => {
  const start = startDynamoDbLocal({ java: fakeJavaWith("FAKE_JAVA_NO_LISTEN=1"), classDataCache: cache, startTimeoutMs: 300 });
  await expect(start).rejects.toThrow(/DynamoDB Local did not listen on port \d+ in time/);
  expect(cached().files).toEqual(["DynamoDBLocal.jar", "launch.json"]);
});

test("GIVEN -Xshare:off in JAVA_TOOL_OPTIONS (such a JVM refuses to write an archive) WHEN DynamoDB Local starts THEN it runs the plain jar", async () => {
  process.env.JAVA_TOOL_OPTIONS = "-Xshare:off";
  try {
    const dynamodb = await startDynamoDbLocal({ java: fakeJava, classDataCache: cache });
    const javaArguments = argumentsOf(dynamodb.pid);
    await dynamodb.stop();
    expect(dynamodb.classDataArchive).toBeUndefined();
    expect(javaArguments[javaArguments.indexOf("-jar") + 1]).toMatch(/\/DynamoDBLocal\.jar$/);
    expect(readdirSync(cache)).toEqual([]);
  } finally {
    delete process.env.JAVA_TOOL_OPTIONS;
  }
});

test("GIVEN classDataCache false WHEN DynamoDB Local starts THEN java runs the plain jar and nothing is cached", async () => {
  const dynamodb = await startDynamoDbLocal({ java: fakeJava, classDataCache: false });
  const javaArguments = argumentsOf(dynamodb.pid);
  await dynamodb.stop();
  expect(javaArguments[javaArguments.indexOf("-jar") + 1]).toMatch(/\/dynamodb_local_[\d-]+\/DynamoDBLocal\.jar$/);
  expect(javaArguments.filter((argument) => argument.startsWith("-XX:") && argument.includes("Archive"))).toEqual([]);
  expect(readdirSync(cache)).toEqual([]);
});
