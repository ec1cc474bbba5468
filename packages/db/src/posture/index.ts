export { getPosture } from "./get-posture";
export { gatherPostureFacts } from "./gather-posture-facts";
export { snapshotPostures } from "./snapshot-postures";
export { recordAuditReview } from "./record-audit-review";
export { getCoverage, coverageSince, type AgentCoverage, type Coverage } from "./get-coverage";
export { flushCallCoverage, noteCalls } from "./note-calls";
