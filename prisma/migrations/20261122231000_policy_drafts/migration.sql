-- Policy drafts and the two-admin rule (issue 16).

-- One draft per org: the policy set as its writers edit it (YAML or JSON text, at most 1 MB), not
-- live. `revision` counts saves, so two writers cannot overwrite each other unseen (a save names
-- the revision it edited; a stale one is a conflict). Publishing applies it and deletes it.
CREATE TABLE "policy_drafts" (
  "org_id" TEXT NOT NULL PRIMARY KEY REFERENCES "orgs"("id") ON DELETE CASCADE,
  "source" TEXT NOT NULL CHECK (octet_length("source") <= 1048576),
  "format" TEXT NOT NULL CHECK ("format" IN ('yaml', 'json')),
  "revision" INTEGER NOT NULL CHECK ("revision" >= 1),
  "updated_by" TEXT REFERENCES "memberships"("id") ON DELETE SET NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- A publish waiting for a second admin (org setting policies.requireSecondApproval): the parsed set
-- as it was published, and the approval that decides it. Applied once, when the approval is
-- approved (`applied_at`); a denied or expired approval leaves it unapplied for good.
CREATE TABLE "policy_publish_requests" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE,
  "approval_id" TEXT UNIQUE REFERENCES "approvals"("id") ON DELETE SET NULL,
  "set" JSONB NOT NULL,
  "requested_by" TEXT REFERENCES "memberships"("id") ON DELETE SET NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "applied_at" TIMESTAMPTZ(3)
);
CREATE INDEX "policy_publish_requests_org_id_created_at_idx" ON "policy_publish_requests" ("org_id", "created_at");
