/**
 * The identities Atlantis uses in each environment's account: a read-only plan role and an apply
 * role, created by the bootstrap stack and trusted only by the Atlantis server's identity with an
 * external id. The server's AWS config has one profile per environment and stage (written by
 * `opsdata-guard.js aws-config`); the workflow's `env` steps pick one (atlantis/server.yaml).
 */
export const ATLANTIS_ROLE_NAMES = { plan: "opsdata-atlantis-plan", apply: "opsdata-atlantis-apply" } as const;

/** plan: init, plan and the policy check (reads resources and state, writes only the state lock); apply: apply. */
export type AtlantisStage = keyof typeof ATLANTIS_ROLE_NAMES;
export const ATLANTIS_STAGES = Object.keys(ATLANTIS_ROLE_NAMES) as AtlantisStage[];

export const atlantisRoleArn = (accountId: string, stage: AtlantisStage) => `arn:aws:iam::${accountId}:role/${ATLANTIS_ROLE_NAMES[stage]}`;

/** The AWS shared-config profile that assumes an environment's role for a stage, e.g. opsdata-prod-plan. */
export const atlantisProfile = (environment: string, stage: AtlantisStage) => `opsdata-${environment}-${stage}`;
