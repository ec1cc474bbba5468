// Publishing policy drafts, and the two-admin rule (a publish, a settings change that weakens
// enforcement, or an erasure of audit data, waiting for a second admin): above decisions/ (what waits is an action recorded by the
// group commit) and approvals/ (it hands the vote the table of what an approval of its actions does:
// decideApproval and decideApprovals are exported from here) and orgs/ (it applies settings).
export { decideApproval, decideApprovals, APPROVED_HOOKS } from "./decide-approval";
export { publishPolicyDraft, PUBLISH_ACTION_TYPE, type PublishOutcome } from "./publish-policy-draft";
export { applyPublishRequest } from "./apply-publish-request";
export { changeOrgSettings, SETTINGS_ACTION_TYPE, type SettingsChangeOutcome } from "./change-org-settings";
export { applySettingsChange } from "./apply-settings-change";
export { connectSlack, type SlackConnectOutcome } from "./connect-slack";
export { applySlackConnection } from "./apply-slack-connection";
export { eraseAuditFields, ERASURE_ACTION_TYPE } from "./erase-audit-fields";
export { applyAuditErasure } from "./apply-audit-erasure";
export { POLICY_AGENT_NAME } from "./system-agent";
