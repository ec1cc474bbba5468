import type { RateCounts } from "./conditions";
import type { PolicySet } from "./evaluate";

/**
 * Rate counts for evaluating outside the decision path (tests, replay): every rate condition sees
 * only the call itself (a count of 1), because past windows cannot be reconstructed. A rate
 * condition `over: 0` still holds; any other never trips. (With no count at all, a rate condition
 * holds — fail closed — which is right in production and wrong here.)
 */
export function onlyThisCall(set: PolicySet): RateCounts {
  return new Map(set.policies.flatMap((policy) => policy.rates.map((ref) => [ref.key, 1] as const)));
}
