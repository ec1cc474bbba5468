-- One authority over approvals (docs/approvals.md, Who may decide; issue: separation of duties in one place).

-- Who asked, as the call named them: kept beside the redacted metadata so separation of duties
-- recognises the requester under every content setting (`requested_by` is what people are shown,
-- screened like the metadata it came from). Cleared when the approval ends.
ALTER TABLE "approvals" ADD COLUMN "requester_ref" TEXT;
UPDATE "approvals" SET "requester_ref" = "requested_by" WHERE "status" = 'pending';
-- Gatehouse's own actions under the two-admin rule (a publish, a weakening setting, an erasure, an integration).
ALTER TABLE "approvals" ADD COLUMN "system" BOOLEAN NOT NULL DEFAULT false;
UPDATE "approvals" a SET "system" = true FROM "agents" g WHERE g."id" = a."agent_id" AND g."labels"->>'gatehouse.system' = 'true';

-- Whose vote each vote counts as: the voter's own, or the absent member a stand-in voted for. A member
-- counts once on an approval, however many people or channels voted for them.
ALTER TABLE "approval_votes" ADD COLUMN "counts_for" TEXT;
UPDATE "approval_votes" SET "counts_for" = "membership_id";
ALTER TABLE "approval_votes" ALTER COLUMN "counts_for" SET NOT NULL;
CREATE UNIQUE INDEX "approval_votes_approval_id_counts_for_key" ON "approval_votes"("approval_id", "counts_for");

-- A standing grant remembers the channel it was given through (a human-only rule takes a person's
-- grant only) and whether it names no arguments (an explicit, capped choice); why it ended.
ALTER TABLE "standing_grants" ADD COLUMN "via" TEXT NOT NULL DEFAULT 'console';
ALTER TABLE "standing_grants" ADD COLUMN "any_arguments" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "standing_grants" ADD COLUMN "ended_reason" TEXT;
