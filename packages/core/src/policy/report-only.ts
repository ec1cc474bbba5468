import type { ReportOnly } from "../actions/action-result";
import type { Decision } from "./evaluate";

/**
 * The org's report-only trial applied to a policy decision: a deny (any policy reason, NO_POLICY
 * included) or a require_approval becomes an allow by the same policy, with what it would have been.
 * An allow is unchanged (null). Denials decided before policy (halt, breaker, delegation, tampered
 * policies, a closed org) never reach this: they still refuse.
 */
export function reportOnlyDecision(decision: Decision): { decision: Decision; reportOnly: ReportOnly } | null {
  if (decision.effect === "allow") return null;
  const reportOnly: ReportOnly = {
    wouldBe: decision.effect,
    ...(decision.reason ? { reason: decision.reason } : {}),
    ...(decision.policy ? { policy: decision.policy.name } : {}),
  };
  const { reason: _reason, approval: _approval, ...rest } = decision;
  return { decision: { ...rest, effect: "allow" }, reportOnly };
}
