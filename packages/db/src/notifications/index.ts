// Reaching approvers where they are (docs/approvals.md, Routing): emailed links, Slack, reminders and
// escalation. At the top of the package: a click or a link decides through policy-rollout's vote.
export { previewApprovalLink, decideByApprovalLink, approvalLinkUrl, approvalMailSettings, type ApprovalLinkPreview } from "./approval-links";
export { sendApprovalNotices, type NoticeResult } from "./send-approval-notices";
export { receiveSlackInteraction, receiveSlackEvent, verifySlackSignature, SLACK_SIGNATURE_WINDOW_SECONDS, type SlackClickOutcome, type SlackEventResult } from "./slack";
