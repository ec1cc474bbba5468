-- Delegation (issue 14): the table existed unused; a delegation now names its delegate, its chain's
-- root, the delegate's key and free metadata. Every row has a child agent of its own (one delegation
-- per delegate), and the tree is walked by parent_delegation_id (revocation: a recursive CTE).
ALTER TABLE "delegations"
  ADD COLUMN "name" TEXT NOT NULL,
  ADD COLUMN "root_agent_id" TEXT NOT NULL REFERENCES "agents"("id") ON DELETE CASCADE,
  ADD COLUMN "key_id" TEXT REFERENCES "api_keys"("id") ON DELETE SET NULL,
  ADD COLUMN "metadata" JSONB NOT NULL DEFAULT '{}';

CREATE UNIQUE INDEX "delegations_child_agent_id_key" ON "delegations"("child_agent_id");
CREATE INDEX "delegations_org_id_parent_agent_id_idx" ON "delegations"("org_id", "parent_agent_id");
CREATE INDEX "delegations_parent_delegation_id_idx" ON "delegations"("parent_delegation_id");
CREATE INDEX "delegations_org_id_root_agent_id_idx" ON "delegations"("org_id", "root_agent_id");
-- The expiry job: the active rows by expiry.
CREATE INDEX "delegations_active_expires_at_idx" ON "delegations"("expires_at") WHERE "revoked_at" IS NULL;
-- The expiry job records each expiry once.
ALTER TABLE "delegations" ADD COLUMN "expiry_recorded_at" TIMESTAMPTZ(3);
