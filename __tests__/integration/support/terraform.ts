/** Real terraform against a loopback S3 server (s3rver): no provider plugins needed. */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

export const TERRAFORM_MISSING =
  "terraform is not on PATH: install Terraform >= 1.10 (the version atlantis.yaml pins) to run the state tests";

export const terraformAvailable = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;

/**
 * `describe` when terraform is installed. Without it: in CI a failing test with a clear message,
 * locally a skipped suite with a warning.
 */
export function describeWithTerraform(name: string, body: () => void) {
  if (terraformAvailable) return describe(name, body);
  if (process.env.CI)
    return describe(name, () =>
      test("terraform is installed", () => {
        throw new Error(TERRAFORM_MISSING);
      }),
    );
  console.warn(`skipping "${name}": ${TERRAFORM_MISSING}`);
  return describe.skip(name, body);
}

export interface S3Server {
  readonly endpoint: string;
  readonly directory: string;
  close(): Promise<void>;
}

export async function startS3Server(buckets: string[]): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), "s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, directory, close: () => server.close() };
}

/** The overrides a team would keep in a local -backend-config file to reach the S3 server. */
export function backendOverrides(endpoint: string): string {
  return [
    `endpoints = { s3 = "${endpoint}" }`,
    "use_path_style = true",
    'access_key = "S3RVER"',
    'secret_key = "S3RVER"',
    "skip_credentials_validation = true",
    "skip_requesting_account_id = true",
    "skip_metadata_api_check = true",
    "skip_region_validation = true",
    "skip_s3_checksum = true",
  ].join("\n");
}

/** The same overrides as an object, for a terraform_remote_state `config`. */
export const remoteStateOverrides = (endpoint: string) => ({
  endpoints: { s3: endpoint },
  use_path_style: true,
  access_key: "S3RVER",
  secret_key: "S3RVER",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
  skip_s3_checksum: true,
});

/** Runs terraform asynchronously: the S3 server lives in this process and must keep answering. */
export async function terraform(directory: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("terraform", args, {
      cwd: directory,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`terraform ${args.join(" ")} failed in ${directory}:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
}

/** A scratch directory holding a JSON configuration (and optionally a copied fixture). */
export function workspace(config?: object, fixture?: string): string {
  const directory = mkdtempSync(join(tmpdir(), "tf-"));
  if (fixture) cpSync(fixture, directory, { recursive: true });
  if (config) writeFileSync(join(directory, "main.tf.json"), JSON.stringify(config, null, 2));
  return directory;
}

export const outputs = async (directory: string) =>
  Object.fromEntries(
    Object.entries(JSON.parse(await terraform(directory, ["output", "-json"])) as Record<string, { value: unknown }>).map(([k, v]) => [
      k,
      v.value,
    ]),
  );
