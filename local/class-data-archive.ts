/**
 * Application class data sharing (AppCDS) for DynamoDB Local: the first JVM writes the classes it
 * loaded to an archive when it exits, and later JVMs map that archive instead of loading, verifying
 * and linking ~2,500 classes from 116 jars again. Measured on a 2-core machine: 2.5 s of CPU to the
 * first answer without, 1.45 s with (JDK 17, https://docs.oracle.com/en/java/javase/17/vm/class-data-sharing.html,
 * "Dynamic CDS Archive": -XX:ArchiveClassesAtExit writes one, -XX:SharedArchiveFile uses one; JEP 350,
 * https://openjdk.org/jeps/350: nothing is archived when the JVM exits abruptly, so the watchdog in
 * dynamodb-local.ts keeps the file only after java ended of its SIGTERM).
 *
 * CDS refuses a class path with a non-empty directory, and DynamoDBLocal.jar's manifest puts its own
 * directory (".") and non-jar files (the sqlite4java .so/.dll files) on the class path (checked on
 * JDK 17.0.15: "Cannot have non-empty directory in paths"; listing the jars first instead keeps the
 * archive but disables it at the next start, "Archived non-system classes are disabled because the
 * file .../libsqlite4java-linux-amd64.so exists"). So the JVM runs a copy of the jar whose manifest
 * has no Class-Path, with that Class-Path's jars given explicitly in the same order. The directory
 * only holds licence texts and DynamoDBLocal_lib (no classes); the non-jar entries never held
 * classes either.
 *
 * Only speed depends on this: when the copy cannot be written, the JVM starts from the original jar,
 * and a JVM that cannot use an archive (another Java build, a changed jar) ignores it and loads
 * classes as usual. Archives live beside the install (node_modules/.cache/dynamodb-local, one
 * folder of ~45 MB per jar and Java runtime, the 3 most recently used kept), so `npm ci` clears them.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { crc32, inflateRawSync } from "node:zlib";
import { isAlive } from "./process-alive";

export interface JavaLaunch {
  /** java's arguments from the class path to the main class (DynamoDB Local's own arguments follow). */
  readonly args: string[];
  /** The archive this JVM maps, or writes (then `newArchive` says where). Absent: it runs without one. */
  readonly archive?: string;
  /**
   * Where the JVM writes a new archive at exit, and where it goes once java exited cleanly (after
   * SIGTERM: status 143). Absent when the JVM uses an existing archive or none.
   */
  readonly newArchive?: { readonly written: string; readonly keep: string };
}

const MANIFEST = "META-INF/MANIFEST.MF";
const ZIP_END = 0x06054b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_LOCAL = 0x04034b50;

/** `java -jar <jar>`: the launch without class data sharing. */
export const plainLaunch = (jar: string): JavaLaunch => ({ args: ["-jar", jar] });

/** Archives kept per cache: this many Java runtimes / JVM option sets in turn keep theirs. */
export const ARCHIVES_KEPT = 3;

/**
 * How to start DynamoDB Local's jar with a class data archive kept in `cacheDirectory`, for this
 * Java runtime and JVM options: `javaRuntime` is what tells runtimes apart (its `java -version`
 * output, and the options the JVM reads from the environment, such as JAVA_TOOL_OPTIONS).
 */
export function classDataLaunch(jar: string, cacheDirectory: string, javaRuntime: string, jvmOptions: readonly string[]): JavaLaunch {
  try {
    const { size, mtimeMs } = statSync(jar);
    const key = createHash("sha256")
      .update(JSON.stringify([jar, size, mtimeMs, javaRuntime, jvmOptions]))
      .digest("hex")
      .slice(0, 16);
    const directory = join(cacheDirectory, key);
    const strippedJar = join(directory, "DynamoDBLocal.jar");
    const launchFile = join(directory, "launch.json");
    let classPath: string[];
    let mainClass: string;
    if (existsSync(launchFile)) {
      ({ classPath, mainClass } = JSON.parse(readFileSync(launchFile, "utf8")) as { classPath: string[]; mainClass: string });
      // Marks it used, for the pruning below.
      const now = new Date();
      utimesSync(launchFile, now, now);
    } else {
      mkdirSync(directory, { recursive: true });
      pruneLeastRecentlyUsed(cacheDirectory, key);
      const stripped = withoutManifestClassPath(readFileSync(jar));
      const jars = stripped.classPath.filter((entry) => entry.endsWith(".jar")).map((entry) => join(dirname(jar), entry));
      classPath = [strippedJar, ...jars.filter((path) => existsSync(path))];
      mainClass = stripped.mainClass;
      writeAtomically(strippedJar, stripped.jar);
      writeAtomically(launchFile, JSON.stringify({ classPath, mainClass }));
    }
    const archive = join(directory, "classes.jsa");
    const launch = ["-cp", classPath.join(":"), mainClass];
    if (existsSync(archive)) return { args: [`-XX:SharedArchiveFile=${archive}`, ...launch], archive };
    // One JVM writes it (writing costs ~2.5 s of CPU at exit): while the process that started one
    // runs, the others start without. Its file is created now, so that they see it.
    if (creatorRunning(directory)) return { args: launch };
    const written = `${archive}.${process.pid}-${Date.now()}.new`;
    writeFileSync(written, "");
    return { args: [`-XX:ArchiveClassesAtExit=${written}`, ...launch], archive, newArchive: { written, keep: archive } };
  } catch {
    return plainLaunch(jar);
  }
}

/**
 * A start that writes the archive counts as running for this long at most: its file can outlive a
 * watchdog killed with its process group, and after a reboot its pid may belong to another process.
 * Should it still run, a second writer is harmless (whichever stops last is kept).
 */
const WRITER_MAX_AGE_MS = 3_600_000;

/** Whether a live process started a JVM that writes the archive; a dead or old one's file is removed. */
function creatorRunning(directory: string): boolean {
  let running = false;
  for (const file of readdirSync(directory)) {
    const creator = /^classes\.jsa\.(\d+)-(\d+)\.new$/.exec(file);
    if (!creator) continue;
    if (isAlive(Number(creator[1])) && Date.now() - Number(creator[2]) < WRITER_MAX_AGE_MS) running = true;
    else rmSync(join(directory, file), { force: true });
  }
  return running;
}

/** Removes all but the ARCHIVES_KEPT - 1 most recently used folders other than `keep` (each is ~45 MB). */
function pruneLeastRecentlyUsed(cacheDirectory: string, keep: string): void {
  const lastUsed = (folder: string) => statSync(join(cacheDirectory, folder, "launch.json"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const others = readdirSync(cacheDirectory)
    .filter((folder) => folder !== keep)
    .map((folder) => ({ folder, used: lastUsed(folder) }))
    .sort((a, b) => b.used - a.used);
  for (const { folder } of others.slice(ARCHIVES_KEPT - 1)) rmSync(join(cacheDirectory, folder), { recursive: true, force: true });
}

function writeAtomically(path: string, content: string | Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/**
 * A copy of a jar whose manifest has no Class-Path attribute, with that attribute's entries and the
 * Main-Class. Every other entry keeps its bytes: the new manifest is appended after them and the
 * central directory (which is what Java's ZipFile reads, https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT)
 * points at it instead of the old one.
 */
export function withoutManifestClassPath(jar: Buffer): { jar: Buffer; classPath: string[]; mainClass: string } {
  const end = jar.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || jar.readUInt32LE(end) !== ZIP_END) throw new Error("not a zip file: no end of central directory");
  const entries = jar.readUInt16LE(end + 10);
  const centralSize = jar.readUInt32LE(end + 12);
  const centralOffset = jar.readUInt32LE(end + 16);
  const central = Buffer.from(jar.subarray(centralOffset, centralOffset + centralSize));

  let offset = 0;
  let manifestEntry: number | undefined;
  for (let index = 0; index < entries; index++) {
    if (central.readUInt32LE(offset) !== ZIP_CENTRAL) throw new Error("malformed central directory");
    const nameLength = central.readUInt16LE(offset + 28);
    if (central.toString("utf8", offset + 46, offset + 46 + nameLength) === MANIFEST) manifestEntry = offset;
    offset += 46 + nameLength + central.readUInt16LE(offset + 30) + central.readUInt16LE(offset + 32);
  }
  if (manifestEntry === undefined) throw new Error(`no ${MANIFEST}`);

  const local = central.readUInt32LE(manifestEntry + 42);
  if (jar.readUInt32LE(local) !== ZIP_LOCAL) throw new Error("malformed local header");
  const dataStart = local + 30 + jar.readUInt16LE(local + 26) + jar.readUInt16LE(local + 28);
  const stored = jar.subarray(dataStart, dataStart + central.readUInt32LE(manifestEntry + 20));
  const text = (central.readUInt16LE(manifestEntry + 10) === 8 ? inflateRawSync(stored) : stored).toString("utf8");

  // Manifest lines: "Name: value", continued on lines that start with one space (the JAR spec).
  const attributes: { name: string; lines: string[] }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(" ") && attributes.length > 0) attributes[attributes.length - 1].lines.push(line);
    else attributes.push({ name: line.split(":")[0].toLowerCase(), lines: [line] });
  }
  const value = (name: string) => {
    const attribute = attributes.find((candidate) => candidate.name === name);
    return attribute?.lines
      .map((line, index) => (index === 0 ? line.slice(line.indexOf(":") + 1) : line.slice(1)))
      .join("")
      .trim();
  };
  const mainClass = value("main-class");
  if (!mainClass) throw new Error(`${MANIFEST} has no Main-Class`);
  const classPath = (value("class-path") ?? "").split(/\s+/).filter(Boolean);
  const manifest = Buffer.from(
    attributes
      .filter((attribute) => attribute.name !== "class-path")
      .flatMap((attribute) => attribute.lines)
      .join("\r\n"),
  );

  // The new manifest, stored (not deflated), after the last entry.
  const name = Buffer.from(MANIFEST);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(ZIP_LOCAL, 0);
  header.writeUInt16LE(10, 4); // version needed: 1.0, stored
  central.copy(header, 10, manifestEntry + 12, manifestEntry + 16); // same modification time and date
  header.writeUInt32LE(crc32(manifest), 14);
  header.writeUInt32LE(manifest.length, 18);
  header.writeUInt32LE(manifest.length, 22);
  header.writeUInt16LE(name.length, 26);
  const appended = Buffer.concat([header, name, manifest]);

  central.writeUInt16LE(0, manifestEntry + 8); // no data descriptor
  central.writeUInt16LE(0, manifestEntry + 10); // stored
  central.writeUInt32LE(crc32(manifest), manifestEntry + 16);
  central.writeUInt32LE(manifest.length, manifestEntry + 20);
  central.writeUInt32LE(manifest.length, manifestEntry + 24);
  central.writeUInt32LE(centralOffset, manifestEntry + 42);

  const endRecord = Buffer.from(jar.subarray(end));
  endRecord.writeUInt32LE(centralOffset + appended.length, 16);
  return { jar: Buffer.concat([jar.subarray(0, centralOffset), appended, central, endRecord]), classPath, mainClass };
}
