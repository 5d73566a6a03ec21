/** The webhook delivery state machine: literal transitions, backoff and policy checks. */
import { nextWebhookState, retryDelaySeconds, webhookPolicy } from "../../packages/opsdata-access/src";

const policy = webhookPolicy({ maxAttempts: 3, retryBaseSeconds: 30, retryMaxSeconds: 100 });
const NOW = 1_800_000_000;

test("GIVEN a pending event WHEN delivered THEN delivered with the attempt counted", () => {
  expect(nextWebhookState(0, "delivered", policy, NOW)).toEqual({ to: "delivered", attemptCount: 1 });
});

test("GIVEN a pending event WHEN an attempt fails below maxAttempts THEN pending again after the backoff", () => {
  expect(nextWebhookState(0, "failed", policy, NOW)).toEqual({ to: "pending", attemptCount: 1, nextRetryAt: NOW + 30 });
  expect(nextWebhookState(1, "failed", policy, NOW)).toEqual({ to: "pending", attemptCount: 2, nextRetryAt: NOW + 60 });
});

test("GIVEN the last allowed attempt WHEN it fails THEN dead", () => {
  expect(nextWebhookState(2, "failed", policy, NOW)).toEqual({ to: "dead", attemptCount: 3 });
});

test("GIVEN the backoff WHEN attempts grow THEN 30, 60, then capped at 100", () => {
  expect([1, 2, 3, 4].map((n) => retryDelaySeconds(policy, n))).toEqual([30, 60, 100, 100]);
});

test("GIVEN the defaults WHEN no overrides THEN 8 attempts, 30 s base, 1 h cap, 60 s lease", () => {
  expect(webhookPolicy()).toEqual({ maxAttempts: 8, retryBaseSeconds: 30, retryMaxSeconds: 3600, leaseSeconds: 60 });
});

test.each([
  [{ maxAttempts: 0 }, "maxAttempts: a whole number from 1 to 86400 (got 0)"],
  [{ leaseSeconds: 0 }, "leaseSeconds: a whole number from 1 to 86400 (got 0)"],
  [{ leaseSeconds: -30 }, "leaseSeconds: a whole number from 1 to 86400 (got -30)"],
  [{ retryBaseSeconds: 60, retryMaxSeconds: 30 }, "retryMaxSeconds: must be >= retryBaseSeconds"],
])("GIVEN the policy %j WHEN built THEN ValidationError naming the field", (overrides, message) => {
  expect(() => webhookPolicy(overrides)).toThrow(`webhook policy (options.webhooks): ${message}`);
});
