-- Reaching approvers where they are (docs/approvals.md, Routing): emailed links, Slack messages, reminders
-- and escalation. `notices` on an approval lists what the worker has sent for it (requested, reminder,
-- escalation), claimed before it sends, so no notice goes out twice.
ALTER TABLE "approvals" ADD COLUMN "notices" TEXT[];

-- One emailed link per approver and approval: single-use, bound to one member and one approval, stored as
-- a hash; it dies with the approval (and with the member's membership).
CREATE TABLE "approval_links" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "approval_id" TEXT NOT NULL,
    "membership_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "approval_links_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "approval_links_token_hash_key" ON "approval_links"("token_hash");
CREATE INDEX "approval_links_approval_id_idx" ON "approval_links"("approval_id");
ALTER TABLE "approval_links" ADD CONSTRAINT "approval_links_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "approval_links" ADD CONSTRAINT "approval_links_approval_id_fkey" FOREIGN KEY ("approval_id") REFERENCES "approvals"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "approval_links" ADD CONSTRAINT "approval_links_membership_id_fkey" FOREIGN KEY ("membership_id") REFERENCES "memberships"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- What was sent for an approval, where: an email to a member, a Slack message (its channel and ts, so the
-- message is updated with the outcome wherever the approval was decided).
CREATE TABLE "approval_notices" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "approval_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "slack_ts" TEXT,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome_posted_at" TIMESTAMPTZ(3),

    CONSTRAINT "approval_notices_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "approval_notices_approval_id_idx" ON "approval_notices"("approval_id");
-- The worker's sweep for Slack messages still showing Approve / Deny on an approval that ended.
CREATE INDEX "approval_notices_open_slack_idx" ON "approval_notices"("org_id") WHERE "channel" = 'slack' AND "status" = 'sent' AND "outcome_posted_at" IS NULL;
ALTER TABLE "approval_notices" ADD CONSTRAINT "approval_notices_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "approval_notices" ADD CONSTRAINT "approval_notices_approval_id_fkey" FOREIGN KEY ("approval_id") REFERENCES "approvals"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An org's Slack app: its bot token and signing secret, AES-256-GCM under the master key.
CREATE TABLE "org_slack_connections" (
    "org_id" TEXT NOT NULL,
    "bot_token_enc" TEXT NOT NULL,
    "signing_secret_enc" TEXT NOT NULL,
    "team_id" TEXT,
    "team_name" TEXT,
    "bot_user_id" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "org_slack_connections_pkey" PRIMARY KEY ("org_id")
);
ALTER TABLE "org_slack_connections" ADD CONSTRAINT "org_slack_connections_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
