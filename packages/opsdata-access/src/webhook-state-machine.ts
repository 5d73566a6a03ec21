/**
 * The webhook delivery state machine, as pure data and functions (unit-tested with literal values):
 *
 *   pending --delivered--> delivered                      (terminal)
 *   pending --failed, attempts < maxAttempts--> pending   (next retry = now + backoff, or the caller's retryAt)
 *   pending --failed, attempts = maxAttempts--> dead      (terminal for workers; listed for an operator)
 *   dead --requeue (operator only)--> pending             (attempts reset, due now)
 *
 * `attemptCount` counts finished attempts. Only the holder of a lease on a pending event records an
 * outcome, each a conditional write fenced by the lease token (webhooks.ts).
 */
import { ValidationError } from "./errors";

export type WebhookStatus = "pending" | "delivered" | "dead";
export type DeliveryOutcome = "delivered" | "failed";

export interface WebhookPolicy {
  /** Attempts before an event is dead. @default 8 */
  readonly maxAttempts: number;
  /** Delay before retry n (n = failed attempts so far, from 1): base * 2^(n-1), capped. @default 30 */
  readonly retryBaseSeconds: number;
  /** @default 3600 */
  readonly retryMaxSeconds: number;
  /** How long a worker holds a leased event (renew() extends it). @default 60 */
  readonly leaseSeconds: number;
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = { maxAttempts: 8, retryBaseSeconds: 30, retryMaxSeconds: 3600, leaseSeconds: 60 };
/** Upper bound of every policy field and of a lease: one day. */
export const MAX_WEBHOOK_POLICY_VALUE = 86_400;

export function webhookPolicy(overrides: Partial<WebhookPolicy> = {}): WebhookPolicy {
  const policy = { ...DEFAULT_WEBHOOK_POLICY, ...overrides };
  const problems = Object.entries(policy)
    .filter(([, value]) => !Number.isInteger(value) || value < 1 || value > MAX_WEBHOOK_POLICY_VALUE)
    .map(([field, value]) => `${field}: a whole number from 1 to ${MAX_WEBHOOK_POLICY_VALUE} (got ${String(value)})`);
  if (policy.retryMaxSeconds < policy.retryBaseSeconds) problems.push("retryMaxSeconds: must be >= retryBaseSeconds");
  if (problems.length > 0) throw new ValidationError("webhook policy (options.webhooks)", problems);
  return policy;
}

/** Seconds to wait after the n-th failed attempt. */
export function retryDelaySeconds(policy: WebhookPolicy, failedAttempts: number): number {
  return Math.min(policy.retryMaxSeconds, policy.retryBaseSeconds * 2 ** (failedAttempts - 1));
}

export type WebhookTransition =
  | { readonly to: "delivered"; readonly attemptCount: number }
  | { readonly to: "pending"; readonly attemptCount: number; readonly nextRetryAt: number }
  | { readonly to: "dead"; readonly attemptCount: number };

/** Where an attempt's outcome takes a pending event that had `attemptCount` finished attempts (`now` in epoch seconds). */
export function nextWebhookState(attemptCount: number, outcome: DeliveryOutcome, policy: WebhookPolicy, now: number): WebhookTransition {
  const attempts = attemptCount + 1;
  if (outcome === "delivered") return { to: "delivered", attemptCount: attempts };
  if (attempts >= policy.maxAttempts) return { to: "dead", attemptCount: attempts };
  return { to: "pending", attemptCount: attempts, nextRetryAt: now + retryDelaySeconds(policy, attempts) };
}
