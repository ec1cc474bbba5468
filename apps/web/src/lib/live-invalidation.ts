import { approvalKeys } from "./approvals";
import { delegationKeys } from "./delegations";
import { grantKeys } from "./grants";
import { onboardingKeys } from "./onboarding";
import { overviewKeys } from "./overview";
import { runKeys } from "./runs";
import { spendKeys } from "./spend";

/** What a burst of the org's events made stale, by kind of event. */
export interface StaleKinds {
  /** An approval was asked, voted on, decided or expired. */
  approvals: boolean;
  /** An action was decided (executed, denied, or sent for approval). */
  decisions: boolean;
  /** A delegation was made, revoked or expired. */
  delegations: boolean;
}

/**
 * The console's queries a burst of events made stale, to refetch once: every view that shows what
 * those events change, so a page open in the console follows without a reload or a poll.
 */
export function staleQueryKeys(orgSlug: string, stale: StaleKinds): ReadonlyArray<readonly unknown[]> {
  const keys: Array<readonly unknown[]> = [];
  const decisionsOrApprovals = stale.approvals || stale.decisions;
  if (stale.approvals) keys.push(approvalKeys.all(orgSlug));
  if (stale.decisions) {
    keys.push(approvalKeys.agentDecisions(orgSlug));
    // An agent's first decision ticks the org home's onboarding checklist.
    keys.push(onboardingKeys.state(orgSlug));
    // A decision may have reserved against a budget.
    keys.push(spendKeys.all(orgSlug));
  }
  if (decisionsOrApprovals) {
    // The org home's numbers (decisions over time, approval times, pending approvals, the posture).
    keys.push(overviewKeys.all(orgSlug));
    // A decision or an approval may be a run's: its list and its timeline.
    keys.push(runKeys.all(orgSlug));
    // A decision may have used a standing grant (its calls used); an approval may have made one.
    keys.push(grantKeys.list(orgSlug));
  }
  if (stale.delegations) keys.push(delegationKeys.all(orgSlug));
  return keys;
}
