import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { App } from "cdktf";
import { wrapLines } from "../config/output-width";
import { ENVIRONMENTS } from "../config/environments";
import { validateEnvironments } from "../config/validate";
import { EnvironmentStack } from "./environment-stack";
import { projectRoot } from "./project-root";
import { TABLE_DEFINITIONS, type TableDefinition } from "../tables";
import { validateTableDefinition } from "../tables/validate-definition";
import { StateBucketStack } from "./state-bucket-stack";
import { AtlantisRolesStack } from "./atlantis-roles-stack";
import {
  SCHEMA_LOCK_FILE,
  SchemaLockFileError,
  assertSchemaMatchesLock,
  parseSchemaLock,
  pendingInLock,
  pendingTables,
  type LockedSchema,
  type PendingByEnvironment,
} from "../guards/schema-lock";
import type { Environment } from "../config/schema";
import type { SelfContainedStack } from "./self-contained-stack";

export interface SynthesizeOptions {
  /** Environment configs to validate and synthesize. @default config/environments.ts */
  readonly environments?: readonly unknown[];
  /** The accepted schema. @default the committed schema.lock.json */
  readonly lock?: LockedSchema;
  /** Table definitions. @default tables/ */
  readonly definitions?: readonly TableDefinition[];
  /** @default $CDKTF_OUTDIR (when set and not empty) or "cdktf.out" */
  readonly outdir?: string;
}

/**
 * The accepted schema, or undefined when there is no lock yet. Anything else wrong with the file
 * (unreadable, empty, invalid JSON, wrong shape, a newer version) is a SchemaLockFileError naming it.
 */
export function readSchemaLock(path = join(projectRoot(), SCHEMA_LOCK_FILE)): LockedSchema | undefined {
  if (!existsSync(path)) return undefined;
  const fromCwd = relative(process.cwd(), path);
  const file = fromCwd.startsWith("..") || isAbsolute(fromCwd) ? path : fromCwd;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SchemaLockFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseSchemaLock(text, file);
}

/**
 * Validates the config and the schema lock, then synthesizes one stack per environment. Validation
 * runs before the App exists (the App creates its outdir), so a bad config writes nothing.
 */
export function synthesize(options: SynthesizeOptions = {}): Array<{ stack: string; directory: string }> {
  const { definitions = TABLE_DEFINITIONS } = options;
  definitions.forEach(validateTableDefinition);
  const environments = validateEnvironments(options.environments ?? ENVIRONMENTS);
  const lock = options.lock ?? readSchemaLock();
  assertSchemaMatchesLock(lock, environments, definitions);
  const pending = pendingInLock(lock);
  const pendingNames = pendingTables(pending);
  if (pendingNames.length > 0) {
    console.warn(
      wrapLines(
        `${SCHEMA_LOCK_FILE}: pending for ${pendingNames.join(", ")}: Terraform applies their GSIs (or capacity), ` +
          "resetting capacity to the configured min at each apply. Once every environment has applied the change, " +
          "run `npm run schema:applied`.",
      ),
    );
  }

  // An empty CDKTF_OUTDIR (e.g. `CDKTF_OUTDIR= npm run synth`) means the default, not the current directory.
  const outdir = options.outdir ?? (process.env.CDKTF_OUTDIR || "cdktf.out");
  const app = new App({ outdir });
  const stacks = buildStacks(app, environments, definitions, pending);
  app.synth();
  return stacks.map(({ node }) => ({ stack: node.id, directory: join(outdir, "stacks", node.id) }));
}

/** In `app`, each environment's stack and, when configured, its state-bucket and Atlantis-roles bootstrap stacks. */
export function buildStacks(
  app: App,
  environments: readonly Environment[],
  definitions: readonly TableDefinition[],
  pending: PendingByEnvironment,
): SelfContainedStack[] {
  return environments.flatMap((environment) => {
    const { atlantis } = environment;
    return [
      new EnvironmentStack(app, environment, definitions, pending[environment.name]),
      ...(environment.createStateBucket ? [new StateBucketStack(app, environment)] : []),
      ...(atlantis ? [new AtlantisRolesStack(app, { ...environment, atlantis })] : []),
    ];
  });
}

/** A synthesized stack's cdk.tf.json. */
export interface SynthesizedStackJson {
  readonly resource?: Record<string, Record<string, unknown>>;
  readonly [block: string]: unknown;
}

/**
 * Synthesizes like `synthesize` (same validation and schema guard) into a throwaway directory and
 * returns each stack's JSON by stack name: for tools that feed the stacks to another engine.
 */
export function synthesizeStacks(options: Omit<SynthesizeOptions, "outdir"> = {}): Record<string, SynthesizedStackJson> {
  const outdir = mkdtempSync(join(tmpdir(), "opsdata-synth-"));
  try {
    return Object.fromEntries(
      synthesize({ ...options, outdir }).map(({ stack, directory }) => [
        stack,
        JSON.parse(readFileSync(join(directory, "cdk.tf.json"), "utf8")) as SynthesizedStackJson,
      ]),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
