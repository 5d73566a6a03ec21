/**
 * The plan guard on a large plan, for `npm run bench`: `benchPlanGuard()` writes a ~50 MB
 * `terraform show -json` document (the committed prod plan's resources repeated under new addresses,
 * each also in prior_state as terraform writes it, with tag updates and one KMS key deletion so every
 * link lookup runs) to a temp dir, and times `npm run plan:guard` on it as a process (start-up, read,
 * parse, check, report). Returns the median wall time; bench prints it, nothing asserts it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../stacks/project-root";

type Json = Record<string, unknown>;
interface Change extends Json {
  address: string;
  type: string;
  name: string;
  change: { actions: string[]; before: Json | null; after: Json | null };
}

/** A plan of about `megabytes` MB built from the committed prod plan. */
export function largePlan(megabytes: number): string {
  const [one, two] = [planOf(1).length, planOf(2).length];
  const copies = Math.ceil((megabytes * 1024 * 1024 - one) / (two - one)) + 1;
  return planOf(copies);
}

function planOf(copies: number): string {
  const fixture = JSON.parse(
    readFileSync(join(projectRoot(), "__tests__/fixtures/plans/aws-prod-no-changes.plan.json"), "utf8"),
  ) as Json & {
    resource_changes: Change[];
  };
  const changes: Change[] = [];
  for (let copy = 0; copy < copies; copy++) {
    for (const resource of fixture.resource_changes) {
      const name = `${resource.name}_${copy}`;
      const rename = (values: Json | null) =>
        values && typeof values.name === "string"
          ? { ...values, name: `${values.name}_${copy}`, arn: `${String(values.arn)}_${copy}` }
          : values;
      const updated = copy % 100 === 0 && resource.type === "aws_dynamodb_table";
      const before = resource.type === "aws_kms_key" ? resource.change.before : rename(resource.change.before);
      changes.push({
        ...resource,
        address: `${resource.type}.${name}`,
        name,
        change: {
          ...resource.change,
          actions: updated ? ["update"] : ["no-op"],
          before,
          after: updated ? { ...before, tags: { bench: String(copy) } } : before,
        },
      });
    }
  }
  const key = changes.find((change) => change.type === "aws_kms_key")!;
  key.change = { ...key.change, actions: ["delete"], after: null };
  const prior = changes.map((change) => ({
    address: change.address,
    mode: "managed",
    type: change.type,
    name: change.name,
    values: change.change.before,
  }));
  return JSON.stringify({
    ...fixture,
    resource_changes: changes,
    prior_state: { format_version: "1.0", values: { root_module: { resources: prior } } },
  });
}

/** Median wall time of `npm run plan:guard` (as `node scripts/run-ts.js scripts/plan-guard.ts`) on a ~50 MB plan. */
export function benchPlanGuard(runs = 3, cwd = projectRoot()): { megabytes: number; seconds: number; exitCode: number | null } {
  const directory = mkdtempSync(join(tmpdir(), "plan-guard-bench-"));
  try {
    const planPath = join(directory, "plan.json");
    writeFileSync(planPath, largePlan(50));
    writeFileSync(join(directory, "overrides.json"), "[]");
    const times: number[] = [];
    let exitCode: number | null = null;
    for (let run = 0; run < runs; run++) {
      const started = process.hrtime.bigint();
      const result = spawnSync(
        process.execPath,
        ["scripts/run-ts.js", "scripts/plan-guard.ts", planPath, "--overrides", join(directory, "overrides.json")],
        {
          cwd,
          encoding: "utf8",
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      times.push(Number(process.hrtime.bigint() - started) / 1e9);
      exitCode = result.status;
    }
    return { megabytes: statSync(planPath).size / 1024 / 1024, seconds: [...times].sort((a, b) => a - b)[Math.floor(runs / 2)], exitCode };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
