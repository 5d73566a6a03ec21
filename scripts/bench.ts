/**
 * `npm run bench`: the toolchain's figures beside their targets, each with a verdict
 * (never asserted in tests: these machines are shared and noisy). Runs in a scratch copy of the
 * checkout with its own temporary and jest cache folders, so this checkout's caches (.build/, jest's,
 * Node's compile cache) are left as they were. Under a minute on a 2-core machine.
 *   - the floor: `node -e "require('cdktf')"`; synth of every stack with its bundle cached, and as in
 *     a fresh clone (no .build/, no compile cache)
 *   - the unit suite in one process (`--runInBand`, so that its CPU time is all counted), with an
 *     empty jest cache (a fresh clone's first run) and again
 *   - `npm run plan:guard` on a generated 50 MB plan that deletes a KMS key (scripts/plan-guard-bench.ts)
 *   - the capacity each @opsdata/access operation consumes on DynamoDB Local (scripts/bench-capacity.ts)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkoutFiles, copyProject } from "../__tests__/integration/support/project-copy";
import { measureCapacityPerCall } from "./bench-capacity";
import { benchPlanGuard } from "./plan-guard-bench";

/** Floor and warm synth runs, alternating. */
const RUNS = 15;
/**
 * The unit suite's CPU time with the toolchain before issue 26 (jest's code-cache runtime, the vendor bundles), on the
 * suite of f65e757 (1,117 tests): median of 8 runs alternating with this toolchain (7.9 s), measured as below, Node 22
 * (docs/testing.md). The suite grows, so this target tightens as tests are added; re-measure it the same way.
 */
const UNIT_CPU_BEFORE_S = 8.3;

const scratch = mkdtempSync(join(tmpdir(), "opsdata-bench-"));
const checkout = copyProject("checkout-", checkoutFiles(), scratch);
// Some unit tests read the project through git (git grep, git ls-files, a clone of HEAD).
for (const args of [
  ["init", "-q"],
  ["add", "-A"],
  ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "--no-verify", "-m", "bench"],
])
  spawnSync("git", args, { cwd: checkout });
const cleanUp = () => rmSync(scratch, { recursive: true, force: true });
// A measured command that fails is reported with its own output, without this script's stack trace.
process.on("uncaughtException", (error) => {
  cleanUp();
  console.error(`npm run bench: ${error.message}`);
  process.exit(1);
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.once(signal, () => (cleanUp(), process.exit(1)));

const usageReporter = join(scratch, "report-usage.js");
writeFileSync(
  usageReporter,
  "process.on('exit', () => { const u = process.resourceUsage(); " +
    "require('node:fs').writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, rssKb: u.maxRSS })); });",
);

interface Sample {
  /** Wall time, s. */
  wall: number;
  /** user + system CPU time of the node process, s (esbuild's own process is not counted). */
  cpu: number;
  peakMb: number;
}

/** Runs node with these arguments in the copy, after `before`; returns its figures. */
function measure(args: string[], { before, env = {} }: { before?: () => void; env?: Record<string, string> } = {}): Sample {
  before?.();
  const usageFile = join(scratch, "usage.json");
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["--require", usageReporter, ...args], {
    cwd: checkout,
    encoding: "utf8",
    env: {
      ...process.env,
      BENCH_USAGE_FILE: usageFile,
      CDKTF_OUTDIR: join(scratch, "cdktf.out"),
      CHECKPOINT_DISABLE: "1",
      TMPDIR: join(scratch, "tmp"),
      ...env,
    },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, "utf8")) as { cpu: number; rssKb: number };
  return { wall, cpu: usage.cpu, peakMb: usage.rssKb / 1024 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const medians = (samples: Sample[]): Sample => ({
  wall: median(samples.map((s) => s.wall)),
  cpu: median(samples.map((s) => s.cpu)),
  peakMb: median(samples.map((s) => s.peakMb)),
});
const repeat = (count: number, args: string[], before?: () => void) =>
  medians(Array.from({ length: count }, () => measure(args, { before })));

const freshTmp = () => {
  rmSync(join(scratch, "tmp"), { recursive: true, force: true });
  mkdirSync(join(scratch, "tmp"));
};
freshTmp();
const synth = ["scripts/run-ts.js", "main.ts"];
const synthFresh = repeat(3, synth, () => {
  rmSync(join(checkout, ".build"), { recursive: true, force: true });
  freshTmp();
});
// The floor and warm synth alternate, so that the shared machine's changing load weighs on both alike; the verdict is
// on the median of each pair's CPU ratio.
const pairs = Array.from({ length: RUNS }, () => [measure(["-e", "require('cdktf')"]), measure(synth)] as const);
const floor = medians(pairs.map(([floorRun]) => floorRun));
const synthWarm = medians(pairs.map(([, synthRun]) => synthRun));
const synthOverFloor = median(pairs.map(([floorRun, synthRun]) => synthRun.cpu / floorRun.cpu));
const synthWallOverFloor = median(pairs.map(([floorRun, synthRun]) => synthRun.wall / floorRun.wall));
const jest = [join(checkout, "node_modules/jest/bin/jest.js"), "--selectProjects", "unit", "--runInBand", "--silent"];
const jestCache = ["--cacheDirectory", join(scratch, "jest-cache")];
const unitFirst = measure([...jest, ...jestCache]);
const unitAgain = measure([...jest, ...jestCache]);
const planGuard = benchPlanGuard(3, checkout);

type Verdict = "PASS" | "FAIL" | "";
const rows: [measure: string, value: string, target: string, verdict: Verdict][] = [];
const row = (measure: string, value: string, target = "", verdict: Verdict = "") => rows.push([measure, value, target, verdict]);
const figures = (s: Sample) => `${s.wall.toFixed(2)} s wall, ${s.cpu.toFixed(2)} s CPU, ${s.peakMb.toFixed(0)} MB`;
const verdict = (ok: boolean): Verdict => (ok ? "PASS" : "FAIL");

row("floor: node -e \"require('cdktf')\"", figures(floor));
row("synth, bundle cached", figures(synthWarm), "CPU <= 2x the floor's", verdict(synthOverFloor <= 2));
row("  its CPU / the floor's (median of pairs)", `${synthOverFloor.toFixed(2)}x`);
row("  its wall time / the floor's (median of pairs)", `${synthWallOverFloor.toFixed(2)}x`);
row("synth in a fresh clone (no .build/, no cache)", figures(synthFresh), "< 3 s wall", verdict(synthFresh.wall < 3));
row("unit suite, first run (empty jest cache)", figures(unitFirst));
row("unit suite, again", figures(unitAgain), `CPU <= ${UNIT_CPU_BEFORE_S.toFixed(1)} s`, verdict(unitAgain.cpu <= UNIT_CPU_BEFORE_S));
row(
  `plan guard on a ${planGuard.megabytes.toFixed(0)} MB plan (median of 3)`,
  `${planGuard.seconds.toFixed(2)} s wall, exit ${planGuard.exitCode}`,
  "< 3 s wall, refused (exit 1)",
  verdict(planGuard.seconds < 3 && planGuard.exitCode === 1),
);

const widths = [0, 1, 2].map((column) => Math.max(...rows.map((r) => r[column].length), ["measure", "value", "target"][column].length));
const line = (cells: string[]) =>
  console.log(
    cells
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell))
      .join("  ")
      .trimEnd(),
  );
console.log(
  `Node ${process.version}; floor and synth: medians of ${RUNS} alternating runs (fresh: 3); unit suite: --runInBand, one run each\n`,
);
line(["measure", "value", "target", "verdict"]);
for (const r of rows) line(r);
const failed = rows.filter((r) => r[3] === "FAIL").length;
console.log(
  `\n${failed === 0 ? "PASS" : "FAIL"}: ${rows.filter((r) => r[3] !== "").length - failed} of ${rows.filter((r) => r[3] !== "").length} targets met`,
);

console.log("\nconsumed capacity per call of each @opsdata/access operation (scripts/bench-capacity.ts):");
void measureCapacityPerCall().then(
  (capacity) => {
    console.table(capacity);
    cleanUp();
    process.exitCode = failed === 0 ? 0 : 1;
  },
  (error: Error) => {
    throw error; // to the uncaughtException handler above: its message, no stack trace
  },
);
