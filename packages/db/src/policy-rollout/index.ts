// Publishing policy drafts, and the two-admin rule: above decisions/ (a publish waiting for approval
// is an action recorded by the group commit) and approvals/ (it registers what an approval does).
export { publishPolicyDraft, PUBLISH_ACTION_TYPE, type PublishOutcome } from "./publish-policy-draft";
export { applyPublishRequest } from "./apply-publish-request";
export { POLICY_AGENT_NAME } from "./system-agent";
