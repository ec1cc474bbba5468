-- Erasure under the two-admin rule (issue 41).

-- An erasure of audit fields asked while the two-admin rule (policies.requireSecondApproval) is in
-- force: the entries and fields it erases, as found when it was asked (`entries`: [{ seq, fields }];
-- a subject only as its keyed hash, never the text), why, and the approval that decides it. Applied
-- once, when that approval is approved (`applied_at`); a denied or expired approval leaves it
-- unapplied for good. The approval id is chosen and recorded before the approval is committed (by the
-- group commit, in a transaction of its own), so it cannot reference the approvals row.
CREATE TABLE "audit_erasure_requests" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE,
  "approval_id" TEXT NOT NULL UNIQUE,
  "entries" JSONB NOT NULL,
  "reason" TEXT NOT NULL,
  "subject_tag" TEXT,
  "requested_by" TEXT REFERENCES "memberships"("id") ON DELETE SET NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "applied_at" TIMESTAMPTZ(3)
);
CREATE INDEX "audit_erasure_requests_org_id_created_at_idx" ON "audit_erasure_requests" ("org_id", "created_at");
