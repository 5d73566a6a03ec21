/**
 * The steps the server-side Atlantis workflow runs (atlantis/repos.yaml; docs/deploying.md, "Atlantis"):
 *
 *   prepare  pre-workflow hook (plan only): creates each project directory atlantis.yaml names, so
 *            Atlantis can start the plan workflow even when synth is about to fail.
 *   synth    first plan step, in the project's directory: deletes what an earlier commit left there,
 *            then synthesizes (config validation, schema guard) and writes only this project's stack,
 *            stamped with the commit it came from. A failure is the plan's failure, posted on the PR.
 *   check    first apply step: refuses unless the stack was synthesized from the commit being applied.
 *
 * Atlantis facts relied on (runatlantis/atlantis v0.47):
 * - server/events/working_dir.go: a pull request's clone is reused; on a new commit it runs
 *   `git reset --hard` and `git clean -f -x -- :(glob)**\/*.tfplan`, so any other untracked output of
 *   an earlier commit (ci-cdktf.out/) survives.
 * - server/events/project_command_runner.go (doPlan): the project dir must exist before any step
 *   runs ("dir ... does not exist"), steps run in it, and a failing step's output is the plan's error.
 * - server/core/runtime/run_step_runner.go: run steps get DIR, REPO_REL_DIR, PROJECT_NAME, HEAD_COMMIT,
 *   BASE_BRANCH_NAME, PLANFILE, SHOWFILE.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { synthesize } from "../stacks/app";
import { projectRoot } from "../stacks/project-root";

/** Where the Atlantis projects' stacks are synthesized (atlantis.yaml `dir`s; git-ignored). */
export const ATLANTIS_OUTDIR = "ci-cdktf.out";
/** The commit a project's stack was synthesized from, next to its cdk.tf.json. */
export const SYNTHESIZED_FROM = ".synthesized-from";
/** Kept between plans: terraform's provider and module cache, not output of synth. */
const KEPT = new Set([".terraform"]);

const root = projectRoot();
const headCommit = () => execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();

/** A mistake in how the step was run or what it was given: printed without a stack trace. */
export class StepError extends Error {}

/** The project dirs atlantis.yaml names (read as text: the install is --omit=dev, without a YAML parser). */
export function projectDirectories(atlantisYaml: string): string[] {
  return [...atlantisYaml.matchAll(/^\s*dir:\s*["']?([^"'\s#]+)["']?\s*(?:#.*)?$/gm)].map((match) => {
    const dir = posix.normalize(match[1]);
    if (!new RegExp(`^${ATLANTIS_OUTDIR}/stacks/[\\w-]+$`).test(dir)) {
      throw new StepError(`atlantis.yaml: project dir ${dir} is not ${ATLANTIS_OUTDIR}/stacks/<stack>`);
    }
    return dir;
  });
}

export function prepare(): string {
  const dirs = projectDirectories(readFileSync(join(root, "atlantis.yaml"), "utf8"));
  for (const dir of dirs) mkdirSync(join(root, dir), { recursive: true });
  return `prepared ${dirs.join(", ")}`;
}

/** The project of this run step: REPO_REL_DIR, as Atlantis sets it. */
function projectStack(): { stack: string; directory: string } {
  const relative = process.env.REPO_REL_DIR;
  const match = relative === undefined ? null : new RegExp(`^${ATLANTIS_OUTDIR}/stacks/([\\w-]+)$`).exec(posix.normalize(relative));
  if (!match)
    throw new StepError(
      `REPO_REL_DIR=${relative ?? "(unset)"}: run this as an Atlantis step of a ${ATLANTIS_OUTDIR}/stacks/<stack> project`,
    );
  return { stack: match[1], directory: join(root, relative!) };
}

export function synth(): string {
  const { stack, directory } = projectStack();
  mkdirSync(directory, { recursive: true });
  // Stale output first: if synth fails below, nothing of an earlier commit is left to plan.
  for (const entry of readdirSync(directory)) if (!KEPT.has(entry)) rmSync(join(directory, entry), { recursive: true, force: true });
  const outdir = mkdtempSync(join(tmpdir(), "atlantis-synth-"));
  try {
    const synthesized = synthesize({ outdir }).find((entry) => entry.stack === stack);
    if (!synthesized)
      throw new StepError(`synth produced no stack ${stack}: remove its project from atlantis.yaml or restore its environment`);
    cpSync(synthesized.directory, directory, { recursive: true });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  const commit = headCommit();
  writeFileSync(join(directory, SYNTHESIZED_FROM), `${commit}\n`);
  return `synthesized ${stack} from commit ${commit}`;
}

export function check(): string {
  const { stack, directory } = projectStack();
  const stamp = join(directory, SYNTHESIZED_FROM);
  const planned = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : undefined;
  const commit = headCommit();
  if (planned !== commit) {
    throw new StepError(
      `${stack} was ${planned ? `synthesized from commit ${planned}` : "not synthesized by the plan workflow"}, but the clone is at ${commit}: run atlantis plan again`,
    );
  }
  return `${stack}: synthesized from ${commit}, the commit being applied`;
}
