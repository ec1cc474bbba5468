-- A coding agent's approval, used (docs/integrations/coding-agents.md): an approval a hook call found
-- by re-attaching lets exactly one call through. The first hook answer that lets the approved call run
-- inserts its row here (the primary key makes that once, across every API process); a later identical
-- call finds the approval used and asks anew.
CREATE TABLE "hook_approval_uses" (
    "approval_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hook_approval_uses_pkey" PRIMARY KEY ("approval_id")
);

ALTER TABLE "hook_approval_uses" ADD CONSTRAINT "hook_approval_uses_approval_id_fkey" FOREIGN KEY ("approval_id") REFERENCES "approvals"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "hook_approval_uses" ADD CONSTRAINT "hook_approval_uses_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The hook's look-up of an earlier, unused approval of the same call in the same session reads the
-- agent's actions by key prefix (`hook:<digest of agent, session, tool, input>:`): only hook keys are indexed.
CREATE INDEX "actions_hook_key_idx" ON "actions"("agent_id", "idempotency_key" text_pattern_ops) WHERE "idempotency_key" LIKE 'hook:%';
