/**
 * Which environments there are and how their stacks are named, and the bounds on their settings (service limits
 * and project policy), named once so validation and docs agree.
 */

export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];
/** An environment's stack (synthesized directory, Atlantis project) is this prefix + its name. */
export const ENVIRONMENT_STACK_PREFIX = "dynamodb-";
/** The stack (and synthesized directory, and Atlantis project) of an environment. */
export const stackName = (environment: { readonly name: string }) => `${ENVIRONMENT_STACK_PREFIX}${environment.name}`;

/** Provisioned capacity units and on-demand caps: at least 1, at most the default per-table quota. */
export const MIN_CAPACITY_UNITS = 1;
export const MAX_CAPACITY_UNITS = 40_000;

/** Target-tracking utilization (%) that Application Auto Scaling accepts for DynamoDB. */
export const MIN_TARGET_UTILIZATION = 20;
export const MAX_TARGET_UTILIZATION = 90;

export const MAX_COOLDOWN_SECONDS = 3_600;
/** Scale out quickly; scale in slowly because DynamoDB limits capacity decreases per day. */
export const DEFAULT_SCALE_OUT_COOLDOWN_SECONDS = 60;
export const DEFAULT_SCALE_IN_COOLDOWN_SECONDS = 300;

export const MIN_PITR_RECOVERY_DAYS = 1;
export const MAX_PITR_RECOVERY_DAYS = 35;
