export { applyPolicies, policyContentHash, type PolicySetDiff } from "./apply-policies";
export { applyStarterPolicies } from "./apply-starter-policies";
export { listActivePolicyVersions } from "./list-active-policy-versions";
export { listPolicies, type PolicyView } from "./list-policies";
export { invalidatePolicyCache } from "./policy-cache";
