-- Rules that need two people (issue 23).

-- A change waiting for a second admin is bound to the approval it opens, and only that approval
-- applies it. The id is chosen and recorded with the request before the approval is committed (by
-- the group commit, in a transaction of its own), so it cannot reference the approvals row.
ALTER TABLE "policy_publish_requests" DROP CONSTRAINT "policy_publish_requests_approval_id_fkey";
-- The draft revision a publish came from (its draft is deleted when the set goes live, unless saved since).
ALTER TABLE "policy_publish_requests" ADD COLUMN "draft_revision" INTEGER;

-- A change of the org's settings that weakens enforcement, made while the two-admin rule
-- (policies.requireSecondApproval) is in force: the change as asked, the settings it weakens, and the
-- approval that decides it. Applied once, when that approval is approved (`applied_at`); a denied or
-- expired approval leaves it unapplied for good.
CREATE TABLE "settings_change_requests" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE,
  "approval_id" TEXT NOT NULL UNIQUE,
  "change" JSONB NOT NULL,
  "weakened" JSONB NOT NULL,
  "requested_by" TEXT REFERENCES "memberships"("id") ON DELETE SET NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "applied_at" TIMESTAMPTZ(3)
);
CREATE INDEX "settings_change_requests_org_id_created_at_idx" ON "settings_change_requests" ("org_id", "created_at");
