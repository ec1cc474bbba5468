// The org's connected apps (docs/approvals.md, Slack): its Slack app, whether Slack proved it, and what
// connecting it and a change approved under the two-admin rule share. Low in the package: policy-rollout/
// (which applies an approved change) and notifications/ (which posts and takes clicks) stand above it.
export { getSlackConnection, disconnectSlack, SLACK_CONNECTION_ACTION_TYPE, type SlackConnectionView, type SlackConnectionState } from "./slack-connection";
