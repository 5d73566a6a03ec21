/**
 * The webhook delivery state machine, as pure data and functions (unit-tested with literal values):
 *
 *   pending --delivered--> delivered                      (terminal)
 *   pending --failed, attempts < maxAttempts--> pending   (next_retry_at = now + retry delay)
 *   pending --failed, attempts = maxAttempts--> dead      (terminal for deliveries; listed for an operator)
 *   dead --requeue (operator only)--> pending             (attempts reset, due now)
 *
 * `attempt_count` counts finished attempts. No delivery outcome leaves delivered or dead: every
 * transition is a conditional write on the state it starts from (see webhooks.ts).
 */
import { InvalidTransitionError, ValidationError } from "./errors";

export type WebhookStatus = "pending" | "delivered" | "dead";
export type DeliveryOutcome = "delivered" | "failed";

export const TERMINAL_WEBHOOK_STATUSES: readonly WebhookStatus[] = ["delivered", "dead"];

export interface WebhookPolicy {
  /** Attempts before an event is dead. @default 8 */
  readonly maxAttempts: number;
  /** Delay before retry n (n = attempts so far, from 1): base * 2^(n-1), capped. @default 30 */
  readonly retryBaseSeconds: number;
  /** @default 3600 */
  readonly retryMaxSeconds: number;
  /** How long a worker holds a leased event before another may take it. @default 60 */
  readonly leaseSeconds: number;
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = { maxAttempts: 8, retryBaseSeconds: 30, retryMaxSeconds: 3600, leaseSeconds: 60 };

export function webhookPolicy(overrides: Partial<WebhookPolicy> = {}): WebhookPolicy {
  const policy = { ...DEFAULT_WEBHOOK_POLICY, ...overrides };
  const problems = Object.entries(policy)
    .filter(([, value]) => !Number.isInteger(value) || value < 1)
    .map(([field, value]) => `${field}: a whole number >= 1 (got ${String(value)})`);
  if (policy.retryMaxSeconds < policy.retryBaseSeconds) problems.push("retryMaxSeconds: must be >= retryBaseSeconds");
  if (problems.length > 0) throw new ValidationError("webhook policy (options.webhooks)", problems);
  return policy;
}

/** Seconds to wait after the n-th failed attempt. */
export function retryDelaySeconds(policy: WebhookPolicy, failedAttempts: number): number {
  return Math.min(policy.retryMaxSeconds, policy.retryBaseSeconds * 2 ** (failedAttempts - 1));
}

export interface WebhookTransition {
  readonly from: WebhookStatus;
  readonly to: WebhookStatus;
  readonly attemptCount: number;
  /** Epoch seconds of the next attempt (pending) or of the death (dead, for the operator's listing); absent when delivered. */
  readonly nextRetryAt?: number;
}

/** Where an attempt's outcome takes an event, or InvalidTransitionError from a terminal state. */
export function nextWebhookState(
  event: { readonly event_id: string; readonly status: WebhookStatus; readonly attempt_count: number },
  outcome: DeliveryOutcome,
  policy: WebhookPolicy,
  now: number,
  table = "webhook_events",
): WebhookTransition {
  const attemptCount = event.attempt_count + 1;
  if (event.status !== "pending") {
    throw new InvalidTransitionError(table, event.event_id, event.status, outcome === "delivered" ? "delivered" : "failed attempt");
  }
  if (outcome === "delivered") return { from: "pending", to: "delivered", attemptCount };
  if (attemptCount >= policy.maxAttempts) return { from: "pending", to: "dead", attemptCount, nextRetryAt: now };
  return { from: "pending", to: "pending", attemptCount, nextRetryAt: now + retryDelaySeconds(policy, attemptCount) };
}
