export { applyPolicies, policyContentHash, type PolicySetDiff } from "./apply-policies";
export { applyStarterPolicies } from "./apply-starter-policies";
export { listActivePolicyVersions } from "./list-active-policy-versions";
export { listPolicies, type PolicyView } from "./list-policies";
export { invalidatePolicyCache } from "./policy-cache";
export { getPolicyTests } from "./get-policy-tests";
export { MAX_SIMULATED_DECISIONS, SIMULATION_PAGE, simulatePolicies } from "./simulate-policies";
export { testPolicies } from "./test-policies";
