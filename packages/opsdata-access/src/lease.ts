/** What claims (idempotency) and webhook leases share: a holder's refusals. */

/** A holder's call was not done: its lease expired by its own clock (nothing sent), or another caller holds it now. */
export type LeaseRefusal = { readonly outcome: "lease_expired" } | { readonly outcome: "lease_lost" };

/** A holder acts only before its lease's end by its own clock (`now` in epoch seconds). */
export const leaseEnded = (now: number, leaseExpiresAt: Date): boolean => now >= Math.floor(leaseExpiresAt.getTime() / 1000);
