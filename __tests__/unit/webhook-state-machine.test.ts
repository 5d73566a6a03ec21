/** The webhook delivery state machine: literal transitions, backoff and terminal states. */
import { InvalidTransitionError, nextWebhookState, retryDelaySeconds, webhookPolicy } from "../../access-patterns";

const policy = webhookPolicy({ maxAttempts: 3, retryBaseSeconds: 30, retryMaxSeconds: 100 });
const NOW = 1_800_000_000;
const pending = (attempts: number) => ({ event_id: "e1", status: "pending" as const, attempt_count: attempts });

test("GIVEN a pending event WHEN delivered THEN delivered with the attempt counted and no next retry", () => {
  expect(nextWebhookState(pending(0), "delivered", policy, NOW)).toEqual({ from: "pending", to: "delivered", attemptCount: 1 });
});

test("GIVEN a pending event WHEN an attempt fails below maxAttempts THEN pending again after the backoff", () => {
  expect(nextWebhookState(pending(0), "failed", policy, NOW)).toEqual({
    from: "pending",
    to: "pending",
    attemptCount: 1,
    nextRetryAt: NOW + 30,
  });
  expect(nextWebhookState(pending(1), "failed", policy, NOW)).toEqual({
    from: "pending",
    to: "pending",
    attemptCount: 2,
    nextRetryAt: NOW + 60,
  });
});

test("GIVEN the last allowed attempt WHEN it fails THEN dead, stamped with the time of death", () => {
  expect(nextWebhookState(pending(2), "failed", policy, NOW)).toEqual({ from: "pending", to: "dead", attemptCount: 3, nextRetryAt: NOW });
});

test.each(["delivered", "dead"] as const)("GIVEN a %s event WHEN any outcome arrives THEN InvalidTransitionError", (status) => {
  const event = { event_id: "e1", status, attempt_count: 1 };
  expect(() => nextWebhookState(event, "failed", policy, NOW)).toThrow(
    new InvalidTransitionError("webhook_events", "e1", status, "failed attempt"),
  );
  expect(() => nextWebhookState(event, "delivered", policy, NOW)).toThrow(InvalidTransitionError);
});

test("GIVEN the backoff WHEN attempts grow THEN 30, 60, then capped at 100", () => {
  expect([1, 2, 3, 4].map((n) => retryDelaySeconds(policy, n))).toEqual([30, 60, 100, 100]);
});

test("GIVEN the defaults WHEN no overrides THEN 8 attempts, 30 s base, 1 h cap, 60 s lease", () => {
  expect(webhookPolicy()).toEqual({ maxAttempts: 8, retryBaseSeconds: 30, retryMaxSeconds: 3600, leaseSeconds: 60 });
});

test("GIVEN a bad policy WHEN built THEN ValidationError naming the field", () => {
  expect(() => webhookPolicy({ maxAttempts: 0 })).toThrow("webhook policy (options.webhooks): maxAttempts: a whole number >= 1 (got 0)");
});
