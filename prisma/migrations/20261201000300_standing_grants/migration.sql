-- Standing grants (docs/approvals.md, Standing grants): an approver lets the same action of one agent,
-- with arguments containing `match`, through without a person until `expires_at` or `max_uses` calls.
-- A decision that a policy would hold claims one use in one statement (`uses < max_uses`, not revoked,
-- not expired), so a revocation or the last use holds on every API process at once.
CREATE TABLE "standing_grants" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "action_type" TEXT NOT NULL,
    "match" JSONB NOT NULL DEFAULT '{}',
    "approval_id" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "max_uses" INTEGER NOT NULL,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_by" TEXT,

    CONSTRAINT "standing_grants_pkey" PRIMARY KEY ("id")
);
-- The decision's lookup: live grants of one agent and action.
CREATE INDEX "standing_grants_lookup_idx" ON "standing_grants"("org_id", "agent_id", "action_type") WHERE "revoked_at" IS NULL;
CREATE INDEX "standing_grants_org_id_created_at_idx" ON "standing_grants"("org_id", "created_at");
ALTER TABLE "standing_grants" ADD CONSTRAINT "standing_grants_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "standing_grants" ADD CONSTRAINT "standing_grants_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "standing_grants" ADD CONSTRAINT "standing_grants_approval_id_fkey" FOREIGN KEY ("approval_id") REFERENCES "approvals"("id") ON DELETE CASCADE ON UPDATE CASCADE;
