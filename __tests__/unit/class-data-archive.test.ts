/**
 * The launch that lets the JVM share DynamoDB Local's classes (local/class-data-archive.ts): the jar
 * copy without its manifest's class path, and which archive flag a start gets. The JVM's side (it
 * writes, maps and keeps the archive) is in the integration suite.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classDataLaunch, withoutManifestClassPath } from "../../local/class-data-archive";
import { dynamoDbLocalHome } from "../../local/dynamodb-local";

const jarPath = join(dynamoDbLocalHome(), "DynamoDBLocal.jar");
const jvmOptions = ["-XX:TieredStopAtLevel=1"];
let cache: string;
beforeEach(() => (cache = mkdtempSync(join(tmpdir(), "opsdata-class-data-"))));
afterEach(() => rmSync(cache, { recursive: true, force: true }));

describe("withoutManifestClassPath", () => {
  const jar = readFileSync(jarPath);
  const stripped = withoutManifestClassPath(jar);

  test("GIVEN DynamoDB Local 3.3.1's jar THEN its Main-Class and its 124 Class-Path entries, in order, are read", () => {
    expect(stripped.mainClass).toBe("software.amazon.dynamodb.services.local.main.ServerRunner");
    expect(stripped.classPath).toHaveLength(124);
    expect(stripped.classPath.slice(0, 4)).toEqual([
      ".",
      "log4j2.xml",
      "DynamoDBLocal_lib/Apache-HttpComponents-HttpClient-4.5.x.jar",
      "DynamoDBLocal_lib/Apache-HttpComponents-HttpCore-4.4.x.jar",
    ]);
  });

  test("THEN the copy's manifest has every attribute but Class-Path, and every other entry keeps its bytes", () => {
    expect(stripped.jar.toString("latin1")).toContain(
      "Manifest-Version: 1.0\r\n" +
        "Ant-Version: Apache Ant 1.10.17\r\n" +
        "Created-By: 17.0.19+10-LTS (Amazon.com Inc.)\r\n" +
        "Main-Class: software.amazon.dynamodb.services.local.main.ServerRunner\r\n" +
        "Bundle-Description: DynamoDB Local is a small client-side database and\r\n" +
        "  server that mimics the DynamoDB service.\r\n" +
        "Bundle-License: DynamoDB Local License Agreement (classpath:LICENSE.tx\r\n" +
        " t)\r\n\r\n",
    );
    const centralDirectory = jar.readUInt32LE(jar.length - 22 + 16);
    expect(stripped.jar.subarray(0, centralDirectory).equals(jar.subarray(0, centralDirectory))).toBe(true);
    expect(withoutManifestClassPath(stripped.jar)).toMatchObject({
      classPath: [],
      mainClass: "software.amazon.dynamodb.services.local.main.ServerRunner",
    });
  });

  test("GIVEN a file that is not a zip THEN it is refused", () => {
    expect(() => withoutManifestClassPath(Buffer.from("not a jar"))).toThrow("not a zip file: no end of central directory");
  });
});

describe("classDataLaunch", () => {
  test("GIVEN an empty cache THEN java writes an archive at exit, from the copy and the Class-Path's 115 jars; GIVEN that archive THEN java shares it", () => {
    const first = classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions);
    const [folder] = readdirSync(cache);
    expect(folder).toMatch(/^[0-9a-f]{16}$/);
    const archive = join(cache, folder, "classes.jsa");
    expect(first.newArchive?.keep).toBe(archive);
    expect(first.newArchive?.written).toMatch(new RegExp(`^${archive}\\.\\d+-\\d+\\.new$`));
    expect(first.args[0]).toBe(`-XX:ArchiveClassesAtExit=${first.newArchive?.written}`);
    expect(first.args[1]).toBe("-cp");
    const classPath = first.args[2].split(":");
    expect(classPath).toHaveLength(116);
    expect(classPath[0]).toBe(join(cache, folder, "DynamoDBLocal.jar"));
    expect(classPath[1]).toBe(join(dynamoDbLocalHome(), "DynamoDBLocal_lib/Apache-HttpComponents-HttpClient-4.5.x.jar"));
    expect(first.args.slice(3)).toEqual(["software.amazon.dynamodb.services.local.main.ServerRunner"]);

    writeFileSync(archive, "archive");
    const second = classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions);
    expect(second).toEqual({ args: [`-XX:SharedArchiveFile=${archive}`, ...first.args.slice(1)], archive });
  });

  test("GIVEN a start writing the archive, its process running, WHEN another starts THEN that one runs from the same class path without writing one", () => {
    const writer = classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions);
    const other = classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions);
    expect(other).toEqual({ args: writer.args.slice(1) });
    expect(other.args[0]).toBe("-cp");
  });

  test("GIVEN the file of a start whose process is gone THEN it is removed and this start writes the archive", () => {
    const gone = classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions).newArchive!;
    // No process has this id (Linux pids stop at 4194304).
    const leftover = gone.written.replace(/\.\d+-(\d+)\.new$/, ".999999999-$1.new");
    renameSync(gone.written, leftover);

    const next = classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions);
    expect(next.newArchive?.keep).toBe(gone.keep);
    expect(existsSync(leftover)).toBe(false);
  });

  test("GIVEN the file of a start from over an hour ago THEN it no longer counts (its pid may be another process's by now)", () => {
    const old = classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions).newArchive!;
    const leftover = old.written.replace(/-\d+\.new$/, `-${Date.now() - 2 * 3_600_000}.new`);
    renameSync(old.written, leftover);

    expect(classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions).newArchive?.keep).toBe(old.keep);
    expect(existsSync(leftover)).toBe(false);
  });

  test("GIVEN an archive of another Java runtime THEN this one writes its own, beside it", () => {
    classDataLaunch(jarPath, cache, 'openjdk version "17.0.15"', jvmOptions);
    writeFileSync(join(cache, readdirSync(cache)[0], "classes.jsa"), "archive");
    const other = classDataLaunch(jarPath, cache, 'openjdk version "21.0.9"', jvmOptions);
    expect(other.newArchive).toBeDefined();
    expect(readdirSync(cache)).toHaveLength(2);
  });

  test("GIVEN archives of 3 runtimes WHEN a 4th starts THEN the least recently used folder is removed, so the cache stays at 3", () => {
    const folderOf = (runtime: string) => {
      const launch = classDataLaunch(jarPath, cache, runtime, jvmOptions);
      return launch.newArchive!.keep.split("/").at(-2)!;
    };
    const [oldest, middle, newest] = ["17.0.15", "21.0.9", "25.0.1"].map(folderOf);
    const day = 86_400_000;
    for (const [folder, daysAgo] of [
      [oldest, 3],
      [middle, 2],
      [newest, 1],
    ] as const) {
      const used = new Date(Date.now() - daysAgo * day);
      utimesSync(join(cache, folder, "launch.json"), used, used);
    }
    classDataLaunch(jarPath, cache, "17.0.15", jvmOptions); // used again: now the most recent

    const fourth = folderOf("26.0.0");
    expect(readdirSync(cache).sort()).toEqual([oldest, newest, fourth].sort());
  });

  test("GIVEN a cache it cannot write THEN java runs the plain jar (only speed depends on the archive)", () => {
    const file = join(cache, "a-file");
    writeFileSync(file, "");
    expect(classDataLaunch(jarPath, join(file, "cache"), 'openjdk version "17.0.15"', jvmOptions)).toEqual({ args: ["-jar", jarPath] });
  });
});
