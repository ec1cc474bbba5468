import type { ApprovedHooks } from "../approvals/approval-hooks";
import { decideApproval as decideWith, decideApprovals as decideManyWith, type BulkOutcome } from "../approvals/decide-approval";
import type { ApprovalView } from "../approvals/approval-view";
import type { Ctx } from "../actors/context";
import { SLACK_CONNECTION_ACTION_TYPE } from "../integrations/slack-connection";
import { applyAuditErasure } from "./apply-audit-erasure";
import { applyPublishRequest } from "./apply-publish-request";
import { applySettingsChange } from "./apply-settings-change";
import { applySlackConnection } from "./apply-slack-connection";
import { SETTINGS_ACTION_TYPE } from "./change-org-settings";
import { ERASURE_ACTION_TYPE } from "./erase-audit-fields";
import { PUBLISH_ACTION_TYPE } from "./publish-policy-draft";

/**
 * What Gatehouse does itself when one of its own actions waiting for a second admin is approved: the
 * whole table, written out here rather than filled by imports, so a vote does the same whatever was
 * imported before it. An action type not in the table is an agent's: its approval only wakes the agent.
 */
export const APPROVED_HOOKS: ApprovedHooks = {
  [PUBLISH_ACTION_TYPE]: applyPublishRequest,
  [SETTINGS_ACTION_TYPE]: applySettingsChange,
  [SLACK_CONNECTION_ACTION_TYPE]: applySlackConnection,
  [ERASURE_ACTION_TYPE]: applyAuditErasure,
};

/** A member votes on an approval (see approvals/decide-approval.ts), with {@link APPROVED_HOOKS}. */
export function decideApproval({ ctx, input }: { ctx: Ctx; input: { approvalId: string; body: unknown } }): Promise<ApprovalView> {
  return decideWith({ ctx, input, onApproved: APPROVED_HOOKS });
}

/** The same vote on many approvals in one transaction (see approvals/decide-approval.ts), with {@link APPROVED_HOOKS}. */
export function decideApprovals({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<BulkOutcome[]> {
  return decideManyWith({ ctx, input, onApproved: APPROVED_HOOKS });
}
