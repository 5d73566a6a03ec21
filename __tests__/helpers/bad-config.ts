/** Shared by the bad-input tests: the shipped environments as editable copies, and a synth that must refuse them. */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentSchema } from "../../guards/schema-lock";
import { validateEnvironments } from "../../config/validate";
import { synthesize } from "../../stacks/app";
import { environmentInput, type EnvironmentName } from "./synth";

// Bad input is, by definition, not what the types allow: the cases edit untyped copies.
export type AnyRecord = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Environments = Record<EnvironmentName, AnyRecord>;

/** Fresh deep copies of the shipped environments, one mistake away from a test case. */
export const shippedEnvironments = (): Environments => ({
  dev: environmentInput("dev"),
  staging: environmentInput("staging"),
  prod: environmentInput("prod"),
});

/** The lock of the shipped environments, so only the mistake under test can fail synth. */
export const shippedLock = currentSchema(validateEnvironments(Object.values(shippedEnvironments())));

/** WHEN `environments` are synthesized THEN synth throws `message` and writes no cdktf.out. */
export function expectSynthRefuses(environments: Environments, message: string | RegExp): void {
  const parent = mkdtempSync(join(tmpdir(), "bad-config-"));
  const outdir = join(parent, "cdktf.out");
  try {
    expect(() => synthesize({ environments: Object.values(environments), lock: shippedLock, outdir })).toThrow(message);
    expect(existsSync(outdir)).toBe(false);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}
