/**
 * The server's terraform CLI config (atlantis/terraformrc): providers come only from the image's
 * filesystem mirror of hashicorp/aws, so `terraform init` of a configuration that needs any other
 * provider fails without a download, even if the config check were bypassed. Real terraform, offline:
 * the mirror here is an empty directory standing in for /opt/opsdata/providers.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithTerraform } from "./support/terraform";

const root = join(__dirname, "../..");
let work: string;

/** `terraform init` of `config` with the server's CLI config (its mirror path pointing at an empty directory). */
function initWithServerCliConfig(config: object, { lockFile, args = [] }: { lockFile?: string; args?: string[] } = {}) {
  const mirror = join(work, "mirror");
  const directory = mkdtempSync(join(work, "project-"));
  mkdirSync(mirror, { recursive: true });
  const cliConfig = join(work, "terraformrc");
  writeFileSync(cliConfig, readFileSync(join(root, "atlantis/terraformrc"), "utf8").replace("/opt/opsdata/providers", mirror));
  writeFileSync(join(directory, "cdk.tf.json"), JSON.stringify(config));
  if (lockFile) copyFileSync(lockFile, join(directory, ".terraform.lock.hcl"));
  return spawnSync("terraform", ["init", "-input=false", "-no-color", ...args], {
    cwd: directory,
    encoding: "utf8",
    env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1" },
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "terraform-mirror-only-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describeWithTerraform("atlantis/terraformrc", () => {
  test("is a valid CLI config: a configuration without providers initializes", () => {
    const run = initWithServerCliConfig({ resource: { terraform_data: { x: { input: 1 } } } });
    expect(run.stdout).toContain("Terraform has been successfully initialized!");
    expect(run.status).toBe(0);
  });

  test("another provider is not installed: init fails naming it, with no download", () => {
    const run = initWithServerCliConfig({
      terraform: { required_providers: { external: { source: "hashicorp/external", version: "2.3.4" } } },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.replace(/\s+/g, " ")).toContain(
      "provider registry.terraform.io/hashicorp/external was not found in any of the search locations",
    );
  });

  test("init as the server runs it (atlantis/server.yaml) refuses a mirrored hashicorp/aws whose hash is not in the committed lock", () => {
    // A package in the mirror's packed layout, as `terraform providers mirror` writes it, but not HashiCorp's:
    // an empty zip archive (its end-of-central-directory record alone).
    const packageDir = join(work, "mirror/registry.terraform.io/hashicorp/aws");
    mkdirSync(packageDir, { recursive: true });
    const emptyZip = Buffer.concat([Buffer.from("PK\x05\x06", "latin1"), Buffer.alloc(18)]);
    writeFileSync(
      join(packageDir, `terraform-provider-aws_6.25.0_${process.arch === "arm64" ? "linux_arm64" : "linux_amd64"}.zip`),
      emptyZip,
    );
    const stack = JSON.parse(readFileSync(join(root, "synthesized/dynamodb-dev/cdk.tf.json"), "utf8"));
    const run = initWithServerCliConfig(stack, {
      lockFile: join(root, "atlantis/terraform.lock.hcl"),
      // No state bucket here; the server's init also reads the backend.
      args: ["-lockfile=readonly", "-backend=false"],
    });
    expect(run.status).toBe(1);
    expect(run.stderr.replace(/\s+/g, " ")).toContain(
      "the current package for registry.terraform.io/hashicorp/aws 6.25.0 doesn't match any of the checksums previously recorded in the dependency lock file",
    );
  });
});
