/**
 * `npm run bench`: medians of several runs, reported against the targets (never asserted in tests:
 * these machines are shared and noisy).
 *   - synth of every stack (bundles cached; after a source edit: the project bundle rebuilt; after
 *     npm ci of an unchanged lockfile: nothing rebuilt; after a dependency change: the vendor bundle
 *     rebuilt; in a fresh clone: both built, see scripts/run-ts.js) — wall time and peak RSS
 *   - the floor: a bare `node -e "require('cdktf')"`
 *   - the unit test suite's wall time; the integration suite's (one run) and its capacity per pattern
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../stacks/project-root";

const root = projectRoot();
const runs = Number(process.env.BENCH_RUNS ?? 5);
const scratch = mkdtempSync(join(tmpdir(), "opsdata-bench-"));
// A measured command that fails is reported with its own output, without this script's stack trace.
process.on("uncaughtException", (error) => {
  rmSync(scratch, { recursive: true, force: true });
  console.error(`npm run bench: ${error.message}`);
  process.exit(1);
});
const rssReporter = join(scratch, "report-rss.js");
writeFileSync(
  rssReporter,
  `process.on("exit", () => require("node:fs").writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));`,
);

interface Sample {
  seconds: number;
  peakMb: number;
}

/** Runs a node command once; returns wall time and the process's peak RSS. */
function measure(args: string[], before?: () => void): Sample {
  before?.();
  const rssFile = join(scratch, "rss");
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--require", rssReporter, ...args], {
    cwd: root,
    env: { ...process.env, BENCH_RSS_FILE: rssFile, CDKTF_OUTDIR: join(scratch, "cdktf.out"), CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return { seconds, peakMb: Number(readFileSync(rssFile, "utf8")) / 1024 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
function repeat(count: number, args: string[], before?: () => void) {
  const samples = Array.from({ length: count }, () => measure(args, before));
  return { seconds: median(samples.map((s) => s.seconds)), peakMb: median(samples.map((s) => s.peakMb)) };
}

function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const floor = repeat(runs, ["-e", "require('cdktf')"]);
const synthWarm = repeat(runs, ["scripts/run-ts.js", "main.ts"]);
const jest = join(root, "node_modules", "jest", "bin", "jest.js");
const unitTests = median(Array.from({ length: 3 }, () => timeCommand(process.execPath, [jest, "--selectProjects", "unit", "--silent"])));
const capacityDir = join(scratch, "capacity");
mkdirSync(capacityDir);
const integrationTests = timeCommand(process.execPath, [jest, "--selectProjects", "integration", "--silent"], {
  CAPACITY_REPORT_DIR: capacityDir,
});
// Every integration suite that runs the access library writes its rows; one row per pattern, widest range.
const capacityRows = new Map<string, { pattern: string; calls: number; min: number; max: number }>();
for (const file of readdirSync(capacityDir)) {
  for (const row of JSON.parse(readFileSync(join(capacityDir, file), "utf8")) as Array<Record<string, number | string>>) {
    const pattern = String(row.pattern);
    const seen = capacityRows.get(pattern) ?? { pattern, calls: 0, min: Infinity, max: 0 };
    seen.calls += Number(row.calls);
    seen.min = Math.min(seen.min, Number(row["capacity units (min per call)"]));
    seen.max = Math.max(seen.max, Number(row["capacity units (max per call)"]));
    capacityRows.set(pattern, seen);
  }
}
const capacity = [...capacityRows.values()]
  .sort((a, b) => a.pattern.localeCompare(b.pattern))
  .map(({ pattern, calls, min, max }) => ({ pattern, calls, "capacity units per call": min === max ? `${max}` : `${min} to ${max}` }));
// What a source edit, npm ci, a dependency change and a fresh clone make stale (scripts/run-ts.js); last,
// so the suites above do not pay for rebuilding other entries' bundles.
const rebuilt = (before: () => void) => repeat(Math.min(runs, 3), ["scripts/run-ts.js", "main.ts"], before);
const synthEdited = rebuilt(() => rmSync(join(root, ".build", "project", "main.ts.js"), { force: true }));
// npm ci of an unchanged package-lock.json writes node_modules/.package-lock.json again, same content.
const synthAfterInstall = rebuilt(() => utimesSync(join(root, "node_modules", ".package-lock.json"), new Date(), new Date()));
const synthAfterDependencyChange = rebuilt(() => rmSync(join(root, ".build", "vendor"), { recursive: true, force: true }));
const synthFreshClone = rebuilt(() => rmSync(join(root, ".build"), { recursive: true, force: true }));
rmSync(scratch, { recursive: true, force: true });

const row = (name: string, value: string, target: string) => console.log(`${name.padEnd(48)} ${value.padEnd(22)} ${target}`);
console.log(`medians of ${runs} runs (unit tests: 3 runs)\n`);
row("measure", "value", "target");
row("floor: node -e \"require('cdktf')\"", `${floor.seconds.toFixed(2)} s, ${floor.peakMb.toFixed(0)} MB`, "");
row("synth all stacks (bundles cached)", `${synthWarm.seconds.toFixed(2)} s, ${synthWarm.peakMb.toFixed(0)} MB`, "<= 2x floor, <= 200 MB");
row("  ratio to floor", `${(synthWarm.seconds / floor.seconds).toFixed(2)}x`, "<= 2x");
const synthRow = (name: string, sample: Sample, note: string) =>
  row(`synth all stacks (${name})`, `${sample.seconds.toFixed(2)} s, ${sample.peakMb.toFixed(0)} MB`, note);
synthRow("after a source edit", synthEdited, "(project bundle rebuilt)");
synthRow("after npm ci, same lockfile", synthAfterInstall, "(nothing rebuilt)");
synthRow("after a dependency change", synthAfterDependencyChange, "(vendor bundle rebuilt)");
synthRow("fresh clone, no .build/", synthFreshClone, "(both bundles built)");
row("unit test suite (jest --selectProjects unit)", `${unitTests.toFixed(2)} s`, "<= 10 s");
row("integration suite (1 run, all environments)", `${integrationTests.toFixed(2)} s`, "<= 30 s");
console.log(
  "\nconsumed capacity per access pattern (DynamoDB Local, ReturnConsumedCapacity=TOTAL, table + indexes; failed conditions are not reported by DynamoDB):",
);
console.table(capacity);
