-- Slack earns its trust (issue 41; docs/approvals.md, Slack).

-- A connected Slack app is live only once Slack proved the signing secret its own: a request from Slack
-- signed with it (the Events API's url_verification) sets `verified_at`. Until then nothing is posted and
-- no click counts. Apps connected before this release were never proven: they wait for that request too.
ALTER TABLE "org_slack_connections" ADD COLUMN "verified_at" TIMESTAMPTZ(3);

-- Connecting or changing the Slack app while the two-admin rule (policies.requireSecondApproval) is in
-- force: the app as asked (its secrets sealed under the master key, bound to this row), bound to the
-- approval it opens, applied once when that approval is approved (`applied_at`). The approval id is
-- recorded before the approval is committed, so it cannot reference the approvals row.
CREATE TABLE "slack_connection_requests" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "approval_id" TEXT NOT NULL UNIQUE,
  "bot_token_enc" TEXT NOT NULL,
  "signing_secret_enc" TEXT NOT NULL,
  "team_id" TEXT NOT NULL,
  "team_name" TEXT,
  "bot_user_id" TEXT,
  "requested_by" TEXT REFERENCES "memberships"("id") ON DELETE SET NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "applied_at" TIMESTAMPTZ(3)
);
CREATE INDEX "slack_connection_requests_org_id_created_at_idx" ON "slack_connection_requests" ("org_id", "created_at");
