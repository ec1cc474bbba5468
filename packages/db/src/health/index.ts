export { getGovernanceHealth, GOVERNANCE_HEALTH_THRESHOLDS, worstStatus } from "./get-governance-health";
