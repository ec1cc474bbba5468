export type { ApprovalView, MemberRef } from "./approval-view";
export { getApproval } from "./get-approval";
export { listApprovals } from "./list-approvals";
// The vote itself (decideApproval, decideApprovals) is exported by policy-rollout/, which hands it the
// table of what Gatehouse does when one of its own actions is approved.
export { type BulkOutcome } from "./decide-approval";
export { expireDueApprovals } from "./expire-approvals";
export { waitForApproval, MAX_WAIT_MS } from "./wait-for-approval";
export { waitForApprovals } from "./wait-for-approvals";
export { approvalWaiters, closeApprovalWaiters } from "./approval-waiters";
export { getHandover, setHandover, endHandover, MAX_HANDOVER_DAYS, type HandoverView, type HandoverState } from "./handovers";
