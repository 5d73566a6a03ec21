import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, type TerraformStack } from "cdktf";
import type { Environment } from "../config/schema";

/**
 * What a stack applied with an environment's credentials starts with: its state under `stateKey` in
 * the environment's encrypted S3 bucket, with S3-native locking, and an AWS provider pinned to the
 * environment's account.
 */
export function inEnvironmentAccount(stack: TerraformStack, environment: Environment, stateKey: string): void {
  const backend = new S3Backend(stack, {
    bucket: environment.state.bucket,
    key: stateKey,
    region: environment.state.region,
    encrypt: true,
  });
  // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no typed field for it.
  backend.addOverride("use_lockfile", true);

  new AwsProvider(stack, "aws", {
    region: environment.aws.region,
    // A plan with another account's credentials fails instead of touching the wrong resources.
    allowedAccountIds: [environment.aws.accountId],
    defaultTags: [{ tags: environment.defaultTags }],
  });
}
