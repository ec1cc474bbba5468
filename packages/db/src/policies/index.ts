export { applyPolicies, policyContentHash, type PolicySetDiff } from "./apply-policies";
export { applyStarterPolicies } from "./apply-starter-policies";
export { getPolicyMonitor } from "./get-policy-monitor";
export { listActivePolicyVersions } from "./list-active-policy-versions";
export { listPolicies, type PolicyView } from "./list-policies";
export { listPolicySummaries, type PolicySummaryWithDocument } from "./list-policy-summaries";
export { invalidatePolicyCache } from "./policy-cache";
