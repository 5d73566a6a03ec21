/**
 * Time as the library stores it (epoch seconds, the unit DynamoDB TTL reads) and the clock skew
 * the lease design tolerates between any two callers.
 */

/**
 * How far apart two callers' clocks may be without a lease being taken while its holder still acts
 * on it. A holder stops acting at `leaseExpiresAt` by its own clock; any other caller treats a
 * lease as lapsed only this long after `leaseExpiresAt` by its clock. Every service sharing the
 * tables must use the same value (or a larger one).
 */
export const DEFAULT_CLOCK_SKEW_TOLERANCE_SECONDS = 120;
export const MAX_CLOCK_SKEW_TOLERANCE_SECONDS = 3600;

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
export const fromEpochSeconds = (seconds: number): Date => new Date(seconds * 1000);
