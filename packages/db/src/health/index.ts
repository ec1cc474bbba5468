export { getGovernanceHealth, GOVERNANCE_HEALTH_THRESHOLDS, worstStatus } from "./get-governance-health";
export { startDecisionLatencyFlush, stopDecisionLatencyFlush } from "./decision-latency";
