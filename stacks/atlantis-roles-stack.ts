import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { Environment } from "../config/schema";
import {
  ATLANTIS_APPLY_ROLE_NAME,
  ATLANTIS_PLAN_ROLE_NAME,
  STACK_ROLES_BOUNDARY_NAME,
  atlantisApplyPolicy,
  atlantisPlanPolicy,
  atlantisTrustPolicy,
  stackRolesBoundary,
} from "./atlantis-role-policies";
import { inEnvironmentAccount } from "./environment-account";
import { SelfContainedStack } from "./self-contained-stack";

export const atlantisRolesStackName = (environment: Pick<Environment, "name">) => `atlantis-roles-${environment.name}`;

/** Where the bootstrap keeps its state: beside the environment's, out of reach of both roles. */
export const atlantisRolesStateKey = (environment: Pick<Environment, "name">) =>
  `opsdata-infra/bootstrap/${atlantisRolesStackName(environment)}.tfstate`;

/**
 * Bootstrap, applied once per account by an administrator (never by Atlantis): the read-only
 * plan role and the apply role the Atlantis server assumes for this environment
 * (docs/deploying.md, "Atlantis"), and the permissions boundary every role of the environment
 * stack carries. Apply it before the environment stack. Policies: stacks/atlantis-role-policies.ts.
 */
export class AtlantisRolesStack extends SelfContainedStack {
  constructor(scope: Construct, environment: Environment & { atlantis: NonNullable<Environment["atlantis"]> }) {
    super(scope, atlantisRolesStackName(environment));
    inEnvironmentAccount(this, environment, atlantisRolesStateKey(environment));

    // Created here, not by the environment stack: the apply role can neither edit nor remove it.
    new IamPolicy(this, "stack-roles-boundary", {
      name: STACK_ROLES_BOUNDARY_NAME,
      description: "The most any role the environment stack creates may do (its permissions boundary)",
      policy: JSON.stringify(stackRolesBoundary(environment)),
      lifecycle: { preventDestroy: true },
    }).overrideLogicalId("stack_roles_boundary");

    const assumeRolePolicy = JSON.stringify(atlantisTrustPolicy(environment));
    for (const [id, name, policy, description] of [
      ["plan", ATLANTIS_PLAN_ROLE_NAME, atlantisPlanPolicy(environment), "Atlantis plan and policy check: read-only"],
      ["apply", ATLANTIS_APPLY_ROLE_NAME, atlantisApplyPolicy(environment), "Atlantis apply of a reviewed plan"],
    ] as const) {
      const role = new IamRole(this, `${id}-role`, {
        name,
        description,
        assumeRolePolicy,
        maxSessionDuration: 3600,
        lifecycle: { preventDestroy: true },
      });
      role.overrideLogicalId(id);
      new IamRolePolicy(this, `${id}-policy`, { name, role: role.name, policy: JSON.stringify(policy) }).overrideLogicalId(id);
      new TerraformOutput(this, `${id}_role_arn`, { value: role.arn, description, staticId: true });
    }
  }
}
